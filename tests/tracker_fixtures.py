"""The ``rasa_tracker`` fixture: a tracker store on the same backend as the ``db`` fixture's
clinic database, written by Rasa's SQLTrackerStore and read by the console's reader."""

from __future__ import annotations

import pytest
from rasa_conversations import RasaTracker, new_tracker_url


@pytest.fixture()
def rasa_tracker(db, tmp_path, request):
    tracker = RasaTracker(new_tracker_url(db.backend, tmp_path, lambda: request.getfixturevalue("postgres")))
    yield tracker
    tracker.close()

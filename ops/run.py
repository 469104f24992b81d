"""`make run`: start every service of the product on this machine and print where they are.

Ports come from the environment (RASA_PORT, ACTIONS_PORT, WEB_PORT, CONSOLE_PORT); everything binds to
loopback unless BIND_HOST says otherwise. Ctrl-C stops everything that was started.
"""

from __future__ import annotations

import signal
import sys
import time

from clinic.config import ClinicConfigError, load_config
from clinic.env import env_port
from ops.paths import MODEL, VAR
from ops.services import Stack, action_server, console_server, rasa_with_website, rasa_workers, runtime_endpoints


def main() -> int:
    if not MODEL.exists():
        print(f"error: no trained model at {MODEL}; run `make train`", file=sys.stderr)
        return 1
    try:
        rasa_port, actions_port = env_port("RASA_PORT", 5005), env_port("ACTIONS_PORT", 5055)
        web_port, console_port = env_port("WEB_PORT", 8080), env_port("CONSOLE_PORT", 8090)
        config = load_config()
        workers = rasa_workers()
    except (ClinicConfigError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    VAR.mkdir(exist_ok=True)
    actions = action_server(actions_port)
    endpoints = runtime_endpoints(VAR / "run" / "endpoints.yml", actions_port)
    rasa, web = rasa_with_website(rasa_port, web_port, endpoints=endpoints)
    # The console reads the tracker store named in the same endpoints file Rasa runs with.
    console = console_server(console_port, env={"RASA_ENDPOINTS": str(endpoints)})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("Starting the action server, Rasa, the website and the staff console (logs in var/log/)...", flush=True)
    try:
        with Stack([actions, rasa, web, console]) as stack:
            print(
                f"\n{config.clinic.name}'s assistant is running:\n"
                f"  Clinic website (chat):      {web.public_url}/\n"
                f"  Rasa server (REST channel): {rasa.public_url}/webhooks/rest/webhook"
                f" ({workers} worker{'s' if workers > 1 else ''})\n"
                f"  Social channel webhooks:    {rasa.public_url}/webhooks/<messenger|instagram|whatsapp|telegram>/webhook"
                " (enabled by their environment variables; see docs/channels.md)\n"
                f"  Action server:              {actions.public_url}\n"
                f"  Staff console:              {console.public_url}/"
                " (first admin: .venv/bin/python -m console create-admin <username>)\n"
                f"  Logs:                       {VAR / 'log'}\n"
                "Press Ctrl-C to stop.\n",
                flush=True,
            )
            while True:
                exited = stack.first_exited()
                if exited:
                    print(
                        f"error: {exited.name} stopped unexpectedly; see {exited.log_path}\n{exited.log_tail()}",
                        file=sys.stderr,
                    )
                    return 1
                time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping...")
    except (RuntimeError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

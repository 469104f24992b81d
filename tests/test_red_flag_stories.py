"""English red flags told as a story still reach the urgent path; ordinary messages do not.

Real visitors rarely name a red flag in the entity ruler's fixed words: they tell what happened
("got the shakes last night", "the red patch is bigger than this morning", "painkillers aren't
touching it"). nlu_components/red_flag_lexicon.py holds those phrasings, and the safety net
makes such a message urgent whatever the classifier said. Written for these tests; none of
these messages is training or evaluation data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu_components.medical_safety_net import reported_red_flags
from nlu_components.red_flag_lexicon import find_red_flags
from ops.nlu_eval import load_examples
from ops.paths import ROOT

STORIES = [
    "day 4 and there are yellow heads all over my chin where you did it",
    "Swelling and pain, worse every day since Tuesday's session",
    "it's hotter and more painful than yesterday around the needle marks",
    "my eye hurts so bad after you did the skin under it",
    "my eye is puffy and I can't move it properly since the treatment",
    "Nasty infection i think, the spots are full of gunk",
    "the bumps on my chin are filled with yellow goo since the needling",
    "had my session on tuesday, fine at first but last night I got the shakes and my cheek is sore",
    "feeling shivery and rough since the treatment, is that a thing?",
    "Since Friday the red patch on my jaw is bigger than it was this morning and hurts",
    "the swelling is worse than yesterday and now it's day 4",
    "My Eyelids Have Swelled Up So Much Since The Serum",
    "lips are swelling up after the numbing cream what do I do",
    "the swelling has gone down into my neck",
    "One eye won't open properly this morning after the treatment",
    "it's agony, painkillers aren't touching it and it's been two days",
    "the pain is so bad I can't sleep, had it done saturday",
    "my daughter is crying with the pain after her peel",
    "Blood keeps seeping through the gauze and it's been an hour",
    "been bleeding for over an hour, pressing on it does nothing",
    "she has a red line going up from the treated area towards her ear",
    "there's a hard lump on my cheek and it's hot",
    "my throat feels scratchy and weird since the serum went on",
    "my voice has gone hoarse and my face is puffy, 20 mins after",
    "mum is breathless after her appointment",
    "i keep seeing spots and my eye is sore after the needling near it",
    "took an antihistamine an hour ago but it isn't helping, still itchy and puffy",
    "I feel like I'll pass out, had the treatment an hour ago",
    "my lip went pale and cold after filler",
    "Could it be infected? it's day 5 and it's still weeping",
    "do I need to go to A&E? my cheek's huge",
    "blisters have popped up on my forehead and they're leaking",
    "swelling worse by the hour after microneedling",
    "do people get flu-like symptoms after? I've had the shivers since last night",
    # "you" and "anyone" often address the clinic, not people in general: the report stands.
    "do you have an out of hours number? lips are swelling up after the treatment",
    "does anyone have a number I can ring, lips swelling up fast",
    "Do you get flu-like symptoms after microneedling?",
    # Kinds from the third round of real reports, in words written for these tests.
    "been running fevers on and off since the peel",
    "the GP says it's staph, should I still use the serum?",
    "little yellow boils came up along my jaw overnight",
    "my cheek was infected by the time I saw the nurse",
    "his eyelid ballooned after the lash tint",
    "her top lip puffed up to the size of an egg",
    "my lips are about three times their normal size",
    "woke up so swollen I couldn't open my eyes",
    "the side of my face got sorer and more and more swollen all afternoon",
    "the pain after the laser was horrific, still is",
    "since the filler I find it hard to focus with my left eye",
    "the swelling is moving towards the front of my neck",
    "two lumps came up after the extractions, they're hard to the touch and really sore",
    "there was excessive bleeding during my session and it's still oozing a bit",
    "my cheeks are excruciatingly painful since this morning",
    "my left eye has swollen nearly completely shut",
    "I couldn't even open them this morning, both eyelids are puffy",
    # Kinds from the fifth round of real reports, in words written for these tests.
    "two days after the peel and I feel exhausted and achy, face is hot",
    "since the lash lift my left eye has gone cloudy",
    "my eye feels like there's sand in it after the brow tint and it won't stop watering",
    "her lips kept getting bigger and bigger through the night",
    "my top lip is triple its normal size",
    "keep choking on water since the botox in my neck",
    "every day the patch gets a bit redder and now there are bumps",
    # Kinds from the sixth round of real reports, in words written for these tests.
    "honestly thought I was going to die last night, my whole face after the peel",
    "felt like I was dying after the filler, still shaky now",
    "her lips suddenly swelled up at dinner, she had filler this morning",
    "my eyes are bulging out since the lash tint",
    "the lash glue went into my eye and it's streaming",
    "some of the peel solution dripped into my eye",
    "the tint is burning my eyes, I've rinsed them",
    "feels like there is grit in my eye after the brow tint",
    "the bit above the filler is turning white around it",
    "looks like the skin is dying on my lip where they injected",
    "my cheek swelled up massively an hour after the session",
    "tonsils feel swollen and my lips are tingling after the numbing cream",
    "the spot got hotter and angrier by the hour",
    "it's hotter and more painful than this morning",
    "the ingrown hair on my chin turned into a boil",
    "I think it's some sort of infection under the skin, there's no head",
    "there's a pocket of pus under the scab",
    "was bleeding like a tap after the extraction",
    "all of a sudden her face swelled up at lunch",
    "my tongue kept getting more and more swollen",
    "since the filler my breathing is affected",
    "my son was screaming out in pain after the wax",
    # Kinds from the seventh round of real reports (2026-12-06), in words written for these tests.
    "the spot on her chin smells like something rotten now",
    "honestly the most painful thing I've ever felt, three days after the peel",
    "my hand was so swollen I couldn't bend my fingers after the henna",
    "woke up unable to open my eyes after the lash lift",
    "I could barely open my eyes this morning",
    "his cheek puffed up like a golf ball overnight",
    "my skin is a red, blistered, swollen mess",
    "the skin round the tattoo is all welted and itchy",
    "the swelling spread from my lip to my cheek since lunch",
    "the infection went full scale over the weekend",
    "I've lost my night vision since starting the tablets",
    "my lips are gigantic since the filler last night",
]

ORDINARY = [
    "Is it normal for my face to feel warm and tight the evening after?",
    "should I take an antihistamine before my appointment? they don't always help my hayfever",
    "can I take antihistamines? they did not help last time",
    "Can I have a hot shower after microneedling?",
    "my face is red and warm like a sunburn, is that normal?",
    "I get more spots every day, what can I do about my acne",
    "my acne is getting worse every month, what do you recommend",
    "Is the pain worse than waxing?",
    "My skin looks worse before it gets better, is that purging?",
    "how long until the redness goes down, it's day 2",
    "the redness has got better every day, when can I wear makeup",
    "I bled a little during the treatment, is that normal?",
    "Should I go to the clinic or to a GP for my acne?",
    "My lips look huge in photos, do you do fillers?",
    "How long does swelling usually last after microneedling?",
    "the bumps have got smaller every day but still there",
    "What's the best way to stop the skin getting infected while it heals?",
    "how do you keep it from getting infected afterwards",
    "does microneedling hurt so much that people can't sit still?",
    "do people usually get the shivers afterwards or is that rare",
    "my new skincare routine made my acne worse than before",
    "I'm a bit worried my pores are bigger now, can microneedling shrink them?",
    "my skin is pale and blotchy in winter, would microneedling help?",
    "my face looks worse every day since I stopped the pill, what causes that?",
    "can microneedling give you a fever?",
    "I had an infected piercing once, is microneedling still ok for me?",
    "my skin was infected once years ago after a wax, can I have the treatment?",
    "my spot was the size of a pea and it's gone now",
    "is it three times the price for three sessions?",
    "I can't see any difference after two sessions",
    "more and more of my friends have had it done, is it safe?",
    "I can't focus on my work with these breakouts",
    "the spot feels hard to the touch but doesn't hurt, is that a cyst?",
    "how much bleeding is normal during microneedling?",
    "I feel tired on Accutane, is that normal?",
    "my acne got worse and worse over the summer",
    "my spots got bigger after I stopped the pill",
    "the pores on my nose got bigger and bigger this year, what would help?",
    "is it normal for eyes to feel dry after the treatment?",
    "is a course of three sessions triple the price?",
    "my skin gets a bit better every day",
    "I had achy muscles after the gym, can I still come in?",
    "I thought I was going to die of embarrassment when my skin purged",
    "my face is coming out in spots since I changed the pill",
    "I woke up, opened my eyes and my skin felt like sandpaper after the peel",
    "what happens if the peel gets in your eyes?",
    "the serum went in my eye and stung a bit, is that normal?",
    "my skin goes white when I press it, then pink again",
    "I'm dying to try microneedling, when's your next slot?",
    "does a boil on my back mean I can't have microneedling on my face?",
    "my skin suddenly looks dull, would microneedling help?",
    "I bled a little during the session like everyone does",
    "my acne gets worse every month before my period",
    "my lips are so dry I can't open my mouth wide without them cracking",
    "I can't open my email, can you resend the booking link?",
    "the smell of the numbing cream is like nothing else, is that normal?",
    "what is the most painful part of microneedling?",
    "I've lost sight of which serum I'm supposed to use after",
    "the redness spread out a little and faded by the evening",
    "is there a risk the gigantic needles scar?",
    "Is my skin full of toxins after a night out?",
    "my eyes hurt so much from hay fever, can I still have microneedling?",
    "my skin gets better every day, is that normal?",
    "do whiteheads with yellow tops mean I should avoid microneedling?",
    "I have acne with lots of yellow heads, would microneedling help?",
]


@pytest.mark.parametrize("text", STORIES)
def test_a_red_flag_told_as_a_story_is_found(text):
    assert reported_red_flags(text), find_red_flags(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_message_is_not_a_red_flag(text):
    assert reported_red_flags(text) == []


def test_no_harmless_training_example_reads_as_a_red_flag():
    """A lexicon phrase that also fits a harmless question would send every such visitor to the
    emergency message. The training data is the widest sample of harmless phrasings here:
    only medical intents may contain a red flag (a personal question the net makes urgent is
    the cautious side of the line)."""
    hits = [
        (label, text, reported_red_flags(text))
        for path in sorted(Path(ROOT, "data", "nlu").glob("*.yml"))
        for text, label in load_examples(path)
        if label not in {"urgent_medical", "medical_question"} and reported_red_flags(text)
    ]
    assert hits == []


def _real_reports():
    """tests/red_flag_reports.yml: real people's reports, each with its source (the lexicon's
    development set; see that file)."""
    return yaml.safe_load((ROOT / "tests" / "red_flag_reports.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entity_ruler():
    """The project's spaCy pipeline: in the model the entity ruler names the fixed red-flag terms
    (pus, fever, fainted, ...) that the lexicon leaves to it; reported_red_flags joins both."""
    import spacy

    return spacy.load(ROOT / "var" / "spacy" / "en_clinic")


def _entity_flags(nlp, text):
    return [ent.text for ent in nlp(text).ents if ent.label_ == "red_flag"]


def _found(nlp, text):
    return reported_red_flags(text, _entity_flags(nlp, text))


REAL_REPORTS = _real_reports()


def test_real_reports_name_their_sources_and_labels():
    assert len(REAL_REPORTS) >= 30
    for report in REAL_REPORTS:
        assert report["label"] in {"urgent_medical", "medical_question"}, report
        assert str(report["source"]).startswith(("http://", "https://")), report


@pytest.mark.parametrize(
    "report",
    [r for r in REAL_REPORTS if r["label"] == "urgent_medical" and r.get("lexicon") != "not_covered"],
    ids=lambda r: f"{r['flag']}:{r['text'][:40]}",
)
def test_a_real_red_flag_report_is_found(entity_ruler, report):
    assert _found(entity_ruler, report["text"]), report["source"]


@pytest.mark.parametrize(
    "report",
    [r for r in REAL_REPORTS if r["label"] == "medical_question" and r.get("lexicon") != "flagged"],
    ids=lambda r: r["text"][:40],
)
def test_a_real_ordinary_report_is_not_a_red_flag(entity_ruler, report):
    assert _found(entity_ruler, report["text"]) == [], report["source"]


def test_the_reports_left_to_the_classifier_are_still_not_found(entity_ruler):
    """`lexicon: not_covered` must stay true: once the lexicon catches one, drop the mark."""
    left = [r for r in REAL_REPORTS if r.get("lexicon") == "not_covered"]
    assert left and all(_found(entity_ruler, r["text"]) == [] for r in left)


def test_the_ordinary_reports_taken_for_red_flags_are_still_taken(entity_ruler):
    """`lexicon: flagged` (an ordinary report the lexicon escalates, such as pus in a pimple while
    purging) must stay true too: once the lexicon lets one pass, drop the mark."""
    flagged = [r for r in REAL_REPORTS if r.get("lexicon") == "flagged"]
    assert flagged and all(r["label"] == "medical_question" and _found(entity_ruler, r["text"]) for r in flagged)


GENERAL_QUESTIONS = yaml.safe_load((ROOT / "tests" / "general_sign_questions.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("question", GENERAL_QUESTIONS, ids=lambda q: q["text"][:40])
def test_a_real_general_question_about_a_sign_is_not_a_red_flag(entity_ruler, question):
    """Real people's questions about infection, pus or swelling in general report nothing: the
    urgent message would tell a curious visitor to call an emergency line."""
    assert _found(entity_ruler, question["text"]) == [], question["source"]


@pytest.mark.parametrize(
    "text",
    [
        "I've been weeping all day over my acne scars, is there anything that works?",
        "She was weeping when she saw her skin after the peel, how long does the redness last?",
        "I am weeping, my face still looks awful a week after microneedling",
        "The filler gel was oozing into my upper lip and it looked lumpy",
    ],
)
def test_a_red_flag_word_in_its_everyday_sense_is_not_a_red_flag(entity_ruler, text):
    """The entity ruler names "weeping" and "oozing" wherever they are; crying, or filler moving
    within the lip, is not a sign (red_flag_lexicon.named_term_is_a_sign)."""
    assert _entity_flags(entity_ruler, text), "the entity ruler should name the word"
    assert _found(entity_ruler, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I have weeping sores on my cheek since the peel",
        "my skin is weeping clear fluid after microneedling",
        "I think it's weeping, there's a wet patch on my chin",
        "I've got a weeping blister on my lip",
        "the puncture is oozing and hot",
        "filler oozing out of the injection site and it hurts",
    ],
)
def test_skin_that_weeps_or_oozes_is_still_a_red_flag(entity_ruler, text):
    assert _found(entity_ruler, text) != []

"""Is a message asking about a warning sign in general, rather than reporting one?

The red-flag terms (the entity ruler's `red_flag` and nlu_components/red_flag_lexicon.py) say a
sign is present: "it's infected", "the redness is spreading". The same words also come in
questions about risks and prevention that report nothing: "Can microneedling cause an
infection?", "How do I avoid getting infected afterwards?", "Can you have a peel if you have a
temperature?". Sending those down the urgent path tells a curious visitor to call an
emergency line, and staff learn to ignore urgent tickets.

``asks_in_general`` is deliberately narrow, because a missed red flag is the worst error:
* prevention ("how do I avoid / prevent getting infected", "how to reduce the risk of ...")
  is general even in the first person, unless the message also reports a state ("my lip is",
  "it's", "I have", "I feel") or a time ("now", "today", "since", "ago", "still", "day 3");
* a risk question ("can / does / could microneedling cause ...", "is there a risk of ...",
  "what's the risk of ...", a message opening "risk of ...", "what are the signs of ...", "how
  common is ...", "can you have X if you have ...", "do people usually get ...", "has anyone
  ever had ...", "can you get X from ...", "what causes ...", "what happens if ...", "how to
  get rid of ...", "what does X consist of", "how much X is normal / should I expect") is
  general only when nothing points at a real person either: no I / my / me / we, no she / he /
  her / his / my daughter ("should I expect" aside: it asks what is usual).
* telling a sign apart ("how do you tell if your extensions are infected?") is general when,
  besides, no state is reported ("how do you know if it's infected?" may well be about one).
Anything else is left to the red flag: the message goes to the urgent path as before. That
includes "is it normal to have a fever / pus after ...?": whoever asks it usually has it.
"""

from __future__ import annotations

import re

from nlu_components.message_rules import folded

_PREVENTION = re.compile(
    r"\b(?:how (?:do|can|could|should|would) (?:i|you|we|one|people|patients)|how to|ways? to|tips? (?:to|for)"
    r"|what can (?:i|you|we) do to|best way to)"
    r" (?:\w+ ){0,2}(?:avoid|prevent|minimi[sz]e|(?:reduce|lower|cut) (?:the |my |your )?(?:risk|chance)s?"
    r"|stop (?:\w+ ){0,2}(?:getting|becoming)|keep (?:\w+ ){0,2}from (?:getting|becoming))\b"
)

# "should I expect" asks what is usual, not about the asker: it does not make a question personal.
_EXPECT = r"(?:should|can|could|will|would|do|might|may) (?:i|you|we|one|people|patients) (?:expect|anticipate)\b"

_RISK_QUESTION = re.compile(
    r"\b(?:(?:can|could|does|do|will|would|might|may) (?:\w+[- ]?){1,4}(?:cause|causes|lead to|result in|spread|transmit|"
    r"give (?:you|people|patients)|trigger|make (?:you|people|patients))\b"
    r"|is there (?:a|any) (?:\w+ )?(?:risk|chance|danger|possibility)"
    r"|(?:what|which) are (?:the )?(?:\w+ )?(?:risks?|chances|dangers|signs|symptoms|complications|side effects)"
    r"|what(?:'s|s| is| are) the (?:\w+ )?(?:risks?|chances?|signs?|symptoms?) of"
    # A heading or fragment that opens with the risk: "risk of anaphylaxis with a serum?", "any
    # chance of infection from a derma roller", "what about the risk of scarring".
    r"|^(?:(?:and|so|also|but|ok|okay) )?(?:any |the |what about (?:the )?)?(?:\w+ )?(?:risks?|chances?) of\b"
    r"|how (?:common|likely|rare|often) (?:is|are)"
    r"|(?:can|could|do|does|will|might) (?:you|people|patients|someone|one) (?:\w+ )?(?:get|catch|develop|pick up) "
    r"(?:\w+ ){0,3}(?:from|after|with)\b"
    r"|(?:has|have|did) (?:anyone|anybody|any of you|people|other people) (?:\w+ )?(?:ever )?"
    r"(?:had|got|gotten|experienced|developed|reacted)\b"
    r"|(?:do|does|will|would|can|could) (?:people|patients|most people|some people) (?:\w+ )?"
    r"(?:get|have|experience|develop|feel|end up with)\b"
    r"|(?:can|should|could) (?:you|people|patients|someone|one) (?:\w+ ){0,4}if (?:you|they|he or she|someone)"
    r" (?:have|has|are|is)\b"
    # Causes, consequences, remedies and definitions: "what causes lip swelling after fillers?",
    # "what happens if you pop a pimple with pus?", "how to get rid of pus bumps?", "what does
    # pus consist of?".
    r"|what (?:causes?|triggers?|leads to)\b|what happens (?:\w+ )?(?:if|when|to)\b"
    r"|how (?:to|do you|can you|do people|does one) (?:\w+ )?(?:get rid of|rid off?|treat|heal|clear up|deal with)\b"
    r"|what (?:is|are|does|do) (?:\w+ ){1,3}(?:made of|consist of|mean)\b"
    # How long an effect lasts and when it settles or peaks: "how long do lips stay swollen after
    # filler?", "when does the swelling go down?", "when is swelling worse?", "why do blisters
    # occur after laser?". (Not "when will the bleeding stop?": that one is asked while bleeding.)
    r"|how long (?:does|do|will|would|should|can|is|are) (?:\w+ ){0,5}(?:last|stay|take|persist|go on|linger)\b"
    r"|when (?:does|do|will|should|would) (?:\w+ ){0,5}(?:go down|go away|settle|subside|peak|calm down|fade"
    r"|disappear|clear up)\b"
    r"|when (?:is|are) (?:\w+ ){0,4}(?:worse|worst|at (?:its|their) worst)\b"
    r"|why (?:do|does|would|might) (?:\w+ ){0,4}(?:occur|happen|appear|form|develop)\b"
    # What is normal, in amount: "HOW MUCH SWELLING IS NORMAL?", "how much swelling is too much
    # after microneedling", "what amount of bleeding is normal?" (2026-12-07: read as urgent).
    r"|(?:how much|what (?:amount|level|degree) of) (?:\w+ ){1,2}(?:(?:is|are|would be|should be) (?:\w+ )?"
    r"(?:normal|usual|typical|expected|to be expected|too much|ok|okay|acceptable)\b|" + _EXPECT + r"))"
)
# Telling a sign apart, in general ("how do you tell if your extensions are infected?"); general
# only when no state is reported either ("how do you know if it's infected?" may be about one).
_TELLING_A_SIGN = re.compile(
    r"\b(?:how (?:do|can|would|could) (?:you|people|patients|one|someone) (?:tell|know)|how to (?:tell|know))\b"
)

# A time that places the sign in a real situation now.
_TIME_NOW = re.compile(
    r"\b(?:now|today|tonight|yesterday|last night|this morning|since|ago|still|currently"
    r"|day \d+|\d+ (?:days?|hours?|weeks?) (?:after|later|post))\b"
)
# A state being reported ("my lip is", "it's", "I have", "I feel").
_REPORTS_A_STATE = re.compile(
    r"\b(?:(?:my|her|his|our) (?:\w+ ){0,2}(?:is|are|has|have|looks?|feels?|went|got|turned|keeps?|started)"
    r"|i'?m|i am|i have|i've|ive|i got|i feel|i think|it'?s|it is|it has|there'?s)\b"
)
_GENERIC_EXPECT = re.compile(r"\b" + _EXPECT)
# Anyone in particular: the visitor or someone they speak for.
_SOMEONE = re.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|we're|we've|us|our|she|she's|her|hers|he|he's|him|his"
    r"|daughter|son|wife|husband|partner|girlfriend|boyfriend|friend|mum|mom|mother|dad|father|sister|brother)\b"
)


def asks_in_general(text: str) -> bool:
    """True when the message asks about a sign in general (risk or prevention) and reports none."""
    lowered = folded(text)
    if _TIME_NOW.search(lowered):
        return False
    if _PREVENTION.search(lowered):
        return not _REPORTS_A_STATE.search(lowered)
    if _TELLING_A_SIGN.search(lowered):
        return not _REPORTS_A_STATE.search(lowered) and not _SOMEONE.search(lowered)
    return bool(_RISK_QUESTION.search(lowered)) and not _SOMEONE.search(_GENERIC_EXPECT.sub(" ", lowered))

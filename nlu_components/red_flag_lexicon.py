"""Red flags in the commonest languages of a UK/US clinic's visitors.

English red flags named in fixed words are the spaCy entity ruler's `red_flag` terms
(spacy_pipeline/terminology.yml); the "en" list here holds only English phrasings those fixed
terms cannot cover (a sign described, inflected or in another word order).
This is the same list of signs (PRODUCT.md: infection such as pus, fever, spreading redness or
heat; severe or worsening swelling; allergic reaction such as hives, lip or tongue swelling,
trouble breathing; severe pain; bleeding that won't stop; vision problems; fainting) for
Spanish, French, German, Italian, Portuguese, Polish, Romanian, Arabic, Urdu, Hindi and
Chinese, so that a red flag in any of them still reaches the urgent path
(MedicalSafetyNet). It is the one home of these word lists.

Patterns are regular expressions matched against the message lower-cased with the accents of
Latin letters removed ("fièvre" -> "fievre", "gorączka" -> "goraczka"), so write them without
accents. A pattern starts at a word boundary and may end inside a word (a stem: "goraczk"
matches "gorączka" and "gorączkę"). Every term must be unambiguous in all these languages
and in English: the lists are all applied to every message, whatever its language was
guessed to be (e.g. Polish "ropa", pus, is Spanish for clothes, so only Polish forms such as
"ropę" or "ropień" are listed).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, List, Tuple

RED_FLAGS: Dict[str, List[str]] = {
    # English phrasings of the same signs that the entity ruler's fixed terms cannot cover
    # (inflections, word order, typos, a sign described rather than named: "my vision is
    # blurry", "the swelling keeps getting worse", "I think it's infected", "lip went white
    # after the filler"). Each describes the sign as present, not asked about in general.
    "en": [
        r"puss\b",
        r"pus[- ]?(?:filled|bumps?|spots?|pockets?)",
        r"(?:yellow|yellowish|green|greenish|smelly|cloudy) (?:discharge|fluid|liquid|gunk|goo|stuff)",
        r"(?:yellow|honey)[- ]?(?:colou?red )?crust",
        r"(?:it'?s|its|is|are|looks?|looking|seems?|got|gotten|getting|went|has gone|have gone) infected",
        r"(?:i|i'?ve|ive|she|she'?s|he|he'?s|we'?ve) (?:got|have|has|developed|picked up) an? (?:skin |bad |nasty )?infection",
        r"think (?:i have|i'?ve got|i got|it'?s|its|it is|this is|she has|he has) (?:an?|some (?:kind|sort|type) of) "
        r"(?:\w+ ){0,2}infection",
        r"cellulitis",
        r"(?<!dental )abscess",
        r"(?:running|got|have|has|had|with|spiked) a (?:high |slight )?(?:temperature|temp)\b",
        r"temp(?:erature)? (?:of|is|was|at) (?:3[89]|10[0-4])",
        r"(?:warm|hot|burning hot) to (?:the )?touch",
        r"red[- ]hot",
        r"(?:redness|rash|red patch|red area|red streak|red line|red mark|swelling|hives|blisters?)\w* (?:\w+ ){0,3}"
        r"(?:spreading|spread(?:s|ed)? (?:to|down|up|across|out|over|beyond|past))(?! (?:a (?:little|bit)|slightly)\b)",
        r"spreading (?:rash|red|swelling)",
        r"(?:severe|extreme|massive|huge|intense|excessive|serious) (?:facial )?swelling",
        r"(?:swelling|swollen|puffiness|pain|throbbing|blisters?)\w* (?:\w+ ){0,4}"
        r"(?:getting|gets|got|has got|is|growing|keeps getting|to get) (?:worse|bigger)",
        r"(?:worsening|increasing) (?:swelling|pain)",
        r"eyes? (?:\w+ ){0,2}(?:nearly|almost|half|completely)(?: entirely| fully| completely)? (?:shut|closed)",
        r"(?:severely|extremely|massively|badly|hugely) swollen",
        r"chest pains?\b",
        r"(?:rash|hives|welts|bumps|spots) (?:\w+ ){0,2}all over (?:my|her|his|their) (?:body|arms|chest|neck|back)",
        r"(?:more|even more) (?:swollen|painful) (?:\w+ ){0,2}(?:today|every day|each day|than yesterday|by the hour)",
        r"(?:swollen|swelling|swelled|puffing|puffed) (?:\w+ ){0,2}shut\b",
        r"keeps? getting bigger",
        r"(?:hot|swollen|red|redness|swelling|rash|blisters?)\b(?:\W+\w+){0,6}\W+spreading\b",
        r"(?:can'?t|cannot|couldn'?t|could not|unable to|(?:can|could) (?:barely|hardly)) "
        r"(?:actually |even |really |properly |fully )?open (?:(?:my|her|his|their|one|both|either)(?: \w+)? "
        r"(?:eyes?|eyelids?)\b|them\b|it\b)",
        r"(?:excruciating|unbearable|agonising|agonizing|intense|extreme|severe|terrible|horrendous) (?:\w+ )?"
        r"(?:pain|burning|throbbing)",
        r"pain (?:is |was |has been )?(?:\w+ )?(?:unbearable|excruciating|agonising|agonizing|(?:[89]|10) ?/ ?10)",
        r"(?:tongue|throat)\w* (?:\w+ ){0,3}(?:swelling|swelled|swollen|puffing|closing|tight|thick)",
        r"(?:trouble|difficulty|problems?|struggl(?:e|ed|es|ing)|hard|harder|hard time|harder time) (?:to |with |in )?"
        r"(?:breath(?:e|ing)?|swallow(?:ing)?)\b",
        r"(?:can'?t|cannot|can hardly|can barely|unable to) (?:breath(?:e)?|swallow|catch my breath)\b",
        r"(?:chest|throat) (?:[\w']+ ){0,4}(?:tight|closing|closed up)",
        r"wheez",
        r"welts",
        r"(?:having|had|having a|got|i'?m having|think i'?m having) an? (?:bad |severe |serious |major )?allergic reaction",
        r"(?:heavy|heavily|steady|constant) bleeding|bleeding (?:heavily|a lot|non ?stop|for hours|everywhere)",
        r"(?:blood|bleed\w*)\b(?:\W+\w+){0,12}\W+(?:won'?t|wont|will not|doesn'?t|does not|hasn'?t|has not|not) "
        r"(?:stop|clot)",
        r"(?:can'?t|cannot|couldn'?t) (?:get (?:it|the bleeding|the blood) to )?stop (?:the )?(?:bleeding|blood)",
        r"still (?:be |been )?(?:bleeding|seeping blood)",
        r"(?:vision|sight|eyesight)\w* (?:\w+ ){0,5}(?:blurr|fuzzy|dim\b|dark|double|gone\b|went\b)",
        r"(?:lost|losing|loss of|change in|changes in) (?:my |her |his |some |all (?:of )?(?:my |her |his )?|part of (?:my|her|his) )?"
        r"(?:peripheral |central |night )?"
        r"(?:vision|sight|eyesight)(?! of\b)",
        r"(?:can'?t|cannot|couldn'?t|could not) see (?:properly|clearly|well|out of|anything|because)",
        r"(?:look|looks|looking|seeing|see|everything) (?:\w+ ){0,2}blurr",
        r"flashing lights",
        r"(?:gone|going|went) blind\b",
        r"cold sores? (?:\w+ ){0,3}(?:spreading|spread(?:s|ed)? (?:to|all over|across|over)|all over (?:my|her|his) face)",
        r"(?:feel|feeling|felt) (?:really |very |so )?faint\b",
        r"(?:going to|gonna|about to|might|could) pass out",
        r"blanch",
        r"mottl",
        r"dusky",
        r"necro",
        r"(?:lip|lips|skin|area|patch|spot|cheek|nose|chin)\b (?:\w+ ){0,3}(?:turned|turning|gone|going|went) (?:\w+ )?"
        r"(?:white|pale|grey|gray|blue|bluish|purple|black)\b",
        # Signs told as a story rather than named (issue #12): the body's alarm (shivers,
        # the shakes), worsening or growing signs, swelling that is happening now, pain that
        # stops sleep or painkillers cannot touch, bleeding that soaks through, an airway or
        # voice that feels wrong, and the visitor asking whether to go to hospital.
        r"shiver(?:y|s|ing)\b",
        r"(?:got|get|getting|have|has|had|with) the (?:shakes|shivers|chills|sweats)",
        r"flu[- ]like",
        r"\b(?:swell(?:ing)?|swollen|red|redness|pain|painful|lumps?|area|patch|rash|blisters?|cheeks?|eyes?|lips?"
        r"|burning|throbbing) (?:[\w']+ ){0,4}(?:worse|bigger|larger|redder|hotter|more swollen|more painful|angrier) "
        r"(?:and (?:\w+ )?)?(?:every|each|by the|than) (?:\w+ )?(?:day|morning|hour|minute|night|yesterday)\b",
        r"(?:getting|gets|got|is|it'?s) worse,? not better",
        r"(?:worse|bigger|redder|more swollen) by the (?:hour|minute)",
        r"(?:doubled|tripled|quadrupled|grown|grew)\b (?:\w+ ){0,2}(?:in (?:size|volume)|overnight|since)",
        r"lips? (?:[\w']+ ){0,6}(?:up to|touch(?:ed|es|ing)?|reach(?:ed|es|ing)?) (?:my|her|his|their) nose",
        r"eyes? (?:\w+ ){0,2}(?:closed|closing) up\b",
        r"see (?:out )?(?:of |through )(?:\w+ ){0,2}slits",
        r"(?:area|patch|lump|redness|swelling)s? (?:\w+ ){0,3}(?:is|are|has|have|got|gotten|'?s) "
        r"(?:got |gotten |grown |become )?(?:bigger|larger|wider)",
        r"(?:face|lips?|eyes?|eyelids?|cheeks?|throat|tongue|neck|mouth)\b (?:\w+ ){0,2}"
        r"(?:swelling|swelled|swollen|puffing|puffed|blown|blew|ballooned|ballooning) (?:up )?"
        r"(?:fast|quickly|so much|massively|more and more|like a balloon|twice|to twice|by the|every)",
        r"(?:face|lips?|eyes?|cheeks?) (?:\w+ ){0,2}(?:is |are |'?s |'?re |has |have |started |keeps? |just )"
        r"(?:swelling|puffing|blowing|ballooning) up\b",
        r"(?:swelling|swollen|swelled|swell) (?:\w+ ){0,3}(?:down|into|onto|to|towards?) (?:the (?:front|back|side) of )?"
        r"(?:my|her|his|the) (?:neck|throat|chest|eyes?)\b",
        r"(?:lips?|face|tongue|eyes?) (?:\w+ ){0,2}(?:are |is |went |gone |got |'re |'s )(?:huge|massive|enormous)",
        r"(?:can|could) (?:barely|hardly) see\b",
        r"eyes? (?:\w+ ){0,1}(?:won'?t|will not|can'?t|cannot|doesn'?t|does not) open",
        r"blisters? (?:[\w']+ ){0,8}(?:leaking|weeping|oozing|bursting|spreading|doubled|getting bigger)",
        r"(?:covered in|full of) (?:\w+ ){0,2}blisters|blister\w* (?:\w+ ){0,2}all over",
        r"bleed\w* (?:\w+ ){0,3}for (?:over |more than |about |nearly |almost )?(?:an|half an|\d+|two|three) "
        r"(?:hours?|hrs?)\b",
        r"red (?:line|streak)s? (?:\w+ ){0,2}(?:running|going|tracking|spreading|moving|up|down|from)\b",
        r"(?:lumps?|lumpy|hard|throbbing) (?:[\w']+ ){0,3}(?:and|&) (?:[\w']+ )?(?:hot|warm)\b",
        r"(?:hot|warm)\b,? (?:[\w']+,? ){0,2}(?:and |& )?(?:hard|lumps?|lumpy|throbbing)",
        r"(?:in|it'?s|its|it is|it was|pure|absolute|total) agony\b",
        r"(?:hurts|hurting|painful|pain|throbbing|sore) (?:is |was |'s )?so (?:much|bad(?:ly)?) (?:that )?"
        r"(?:i|she|he|they|we) (?:can'?t|cannot|couldn'?t|can hardly|can barely)",
        r"(?:crying|screaming|yelling|howling|in tears)(?: out)? (?:with|from|in|because of) (?:the )?pain",
        r"(?:can'?t|cannot|couldn'?t) sleep (?:\w+ ){0,3}(?:pain|hurts|throbbing|burning)",
        r"pain ?killers? (?:\w+ ){0,3}(?:not|aren'?t|isn'?t|don'?t|doesn'?t|didn'?t|haven'?t|won'?t) "
        r"(?:help|work|touch|doing|making)",
        r"(?:pain|it) (?:is |'?s |was )?(?:a |at )?(?:[89]|10) (?:out of|/) ?10",
        r"anti-?histamines?\b(?:[^\w.?!]+\w+){0,5}?[^\w.?!]+(?:not|aren'?t|isn'?t|don'?t|doesn'?t|didn'?t|haven'?t|won'?t)"
        r"\W+(?:\w+\W+)?(?:help|work|touch|doing|making)",
        r"(?:blood|bleeding)\w* (?:\w+ ){0,3}(?:trickling|seeping|dripping|pouring|gushing|still going|soak)",
        r"(?:soaked|soaking|bled) (?:through )?(?:\w+ ){0,3}(?:tissues?|gauze|towels?|pads?|pillow|dressing)",
        r"(?:throat|tongue)\w* (?:\w+ ){0,3}(?:tingl|weird|funny|strange|scratchy|itch|numb)",
        r"voice (?:\w+ ){0,2}(?:funny|croaky|hoarse|strange|weird|different|muffled)",
        r"breathless",
        r"breathing (?:\w+ ){0,2}(?:weird|noisy|funny|strange|odd|oddly|laboured|labored|shallow|fast|affected|restricted)\b",
        r"seeing (?:spots|stars|flashes|double)",
        r"(?:can'?t|cannot) (?:look at|stand) (?:the )?(?:light|brightness)",
        r"(?:i'?ll|i will|i'?m going to|she'?ll|he'?ll) (?:pass out|faint)",
        r"(?:pale|white|grey|gray|blue|purple) and cold\b",
        r"lacy\b",
        r"(?:could|might|may|can) (?:it|this|that|they|she|he|my \w+|her \w+|his \w+) be infected",
        r"(?:should|do|must) (?:i|we|she|he) (?:\w+ ){0,2}(?:go|get|take (?:her|him|them|me)) (?:to )?"
        r"(?:a ?& ?e|a and e|the er|er|the emergency room|emergency|the hospital|hospital|urgent care)\b",
        r"(?:is (?:this|it) an emergency|(?:call|ring|phone) (?:999|911|112|an ambulance))",
        # Learnt from a third round of real reports (tests/red_flag_reports.yml): fevers that
        # were "run", a diagnosis told in passing (staph, boils), skin that "was infected",
        # swelling measured against something ("the size of a golf ball", "six times bigger",
        # "ballooned"), swelling so bad the eyes cannot see, signs growing "more and more",
        # pain called horrific, and an eye that cannot focus.
        r"(?:ran|run|running|had|have|got|getting|with) (?:high |bad )?fevers\b",
        r"\bstaph(?:ylococc\w*)?\b|impetigo|\bmrsa\b",
        r"(?:white|yellow|painful|tiny|little|big|huge|red) boils\b|\bboils (?:on|across|all over|everywhere)\b",
        r"(?:were|was|became|become|becoming|had become|had gotten|had got) (?:badly |really |very |so |severely )?"
        r"infected\b(?! (?:once|before|years|last|as a|when))",
        r"(?:face|lips?|eyes?|eyelids?|cheeks?|head|forehead|nose|chin) (?:\w+ ){0,2}(?:had |has |have )?"
        r"(?:ballooned|ballooning)",
        r"(?:swollen|swelled|swelling|swell|grew|blew up|puffed up)\b (?:\w+ ){0,3}(?:the )?size of an? "
        r"(?:golf ?ball|tennis ball|ping ?pong ball|egg|grape|orange|plum|walnut|balloon|football)",
        r"(?:(?:twice|two|three|four|five|six|seven|eight|ten|\d+) times|triple|quadruple) (?:\w+ ){0,1}(?:bigger|larger|the size|"
        r"(?:its|their|her|his|my|the) (?:usual|normal|original) size)",
        r"(?:so|too) swollen (?:that )?(?:i|she|he|they) (?:can'?t|cannot|couldn'?t|could not) (?:see|open)",
        r"(?:can'?t|cannot|couldn'?t|could not) see(?: unless| without)?(?=\W*$|[.!,;])",
        r"(?:swell\w*|swollen|hurt\w*|pain\w*|sore\w*|throbb\w*|puff\w*)\b (?:\w+ ){0,2}more and more\b",
        r"pain\b (?:[\w']+ ){0,4}?(?:is |was |has been |got |'s )?(?:\w+ )?(?:horrific|horrendous|unreal|insane)",
        r"(?:horrific|horrible|awful) (?:\w+ )?pain",  # terrible, horrendous: in the severe-pain list above
        # Fourth round: areas hard and painful to the touch, excessive bleeding, pain "excruciatingly".
        r"(?:hard|firm) to (?:the )?touch\b(?![^.?!]{0,30}(?:\bnot\b|n['\u2019]t\b|\bno\b|\bnever\b|\bwithout\b))"
        r"(?:\W+\w+){0,3}\W+(?:painful|sore|tender|hurts?)\b",
        r"(?:painful|sore|tender)\b(?:\W+\w+){0,3}\W+(?:hard|firm) to (?:the )?touch\b",
        r"(?:excessive|profuse|uncontrollable|uncontrolled) bleeding",
        r"(?:excruciating(?:ly)?|unbearabl[ey]|agoni[sz]ingly) (?:painful|sore|itchy|itchiness)",
        r"(?:difficult|hard|trouble|struggl\w*|can'?t|cannot|couldn'?t|unable) (?:to )?focus(?:ing)? (?:with |on |out of )?"
        r"(?:\w+ ){0,2}eyes?\b",
        # Fifth round: aching with tiredness (the body's alarm, not a sore spot), an eye gone
        # cloudy or feeling gritty, swelling growing "bigger and bigger" ("triple the size" is in
        # the pattern for swelling measured, above), choking on water or saliva, redness growing
        # "each day".
        r"(?:tired|exhausted|shivery|feverish|unwell|run ?down) and achy|achy and (?:tired|exhausted|shivery|feverish)"
        r"|ach(?:ing|y) all over",
        r"eyes? (?:\w+ ){0,3}(?:cloudy|cloudier|misty|hazy|foggy)\b|(?:cloudy|misty|hazy|foggy) vision",
        r"eyes? (?:(?!and\b|but\b)[\w']+ ){0,6}like (?:there(?:'s| was| is| were) )?(?:some )?(?:gravel|sand|grit|glass)\b"
        r"(?! ?paper)",
        r"(?:swelling|lips?|face|eyes?|eyelids?|tongue|throat|neck|lumps?|area|patch|cheeks?|they|it) (?:\w+ ){0,3}"
        r"(?:grew|grow(?:s|ing)?|got|gets|getting|swelled|swelling|kept getting) (?:bigger and bigger|larger and larger"
        r"|more and more swollen)",
        r"chok(?:e|ed|es|ing) on (?:\w+ ){0,3}(?:water|saliva|spit|drinks?|food|liquids?)\b",
        r"(?:each|every) day (?:it |they |the \w+ |my \w+ |her \w+ )?(?:got|gets|getting|grew|grows|became|becomes) "
        r"(?:a (?:little|bit) |even |slightly )?(?:more red|redder|more swollen|hotter|more inflamed)\b",
        # Sixth round (2026-12-04): fearing for one's life, swelling that came on at once or pushes
        # out, swelling up "ginormously", skin going white around a spot or looking as if it were
        # dying (a filler in a vessel), a chemical burning or getting into the eyes, sand or grit
        # in them, tonsils swollen. (Skin "sand paper" under the eyes is not grit in them.)
        r"(?:thought|felt like|feel like|felt as if|feel as if|was sure|was scared) (?:that )?(?:i|she|he) "
        r"(?:was|were|am|is) (?:going to|gonna|about to) die\b(?! (?:of|from) (?:embarrass|shame|laugh|bored))",
        r"(?:thought|felt like|feel like|felt as if|feel as if) (?:i|she|he) (?:was|were|am|is) dying\b"
        r"(?! (?:of|from) (?:embarrass|shame|laugh|bored))",
        r"(?:face|forehead|lips?|eyes?|eyelids?|cheeks?|tongue)\b (?:\w+ ){0,2}(?:instantly|suddenly|immediately|rapidly"
        r"|all of a sudden) (?:swollen|swelled|swelling|swell|puffed|puffing|blew up|blown up)",
        r"(?:forehead|face|lips?|eyes?|eyelids?|cheeks?)\b (?:was |were |is |are |kept |started )?"
        r"(?:coming|sticking|bulging|pushing) out\b(?! (?:in|with)\b)",
        r"swell(?:ing|ed|s)? up (?:so )?(?:ginormous(?:ly)?|enormous(?:ly)?|massive(?:ly)?|huge(?:ly)?)\b",
        r"(?:getting|turning|going|went|gone|turned) (?:\w+ )?(?:white|grey|gray|blue|bluish|purple|black)\b,? (?:all )?"
        r"around (?:it|the (?:injection|needle|filler|lip|area|spot)|where)\b",
        r"like (?:it|the skin|my skin|her skin|the area|my lip|her lip|the tissue) (?:was|is|were) dying\b",
        r"(?:burning|burnt|burned|stinging|scalding) (?:my|her|his|their) eyes?\b",
        r"(?:glue|chemicals?|solution|acid|peel|dye|bleach|tint)\b (?:\w+ ){0,3}(?:got|went|ran|dripped|seeped|leaked"
        r"|splashed) (?:\w+ )?(?:in|into) (?:my|her|his|their) eyes?\b",
        r"(?:sand|grit|gravel|glass)\b (?:\w+ ){0,2}in (?:my|her|his) eyes?\b|(?:in|into) (?:my|her|his) eyes? with "
        r"(?:sand|grit|gravel|glass)\b",
        r"tonsils? (?:\w+ ){0,3}(?:swelling|swelled|swollen|inflamed|huge|closing)",
        # Round 6b (2026-12-04): infection told by its course (hotter and more painful by the
        # minute, a boil, a pocket of infection), bleeding "like a stuck pig", swelling that came
        # on all of a sudden.
        r"(?:got|gets|getting|grew|grows|growing|became|becoming) (?:\w+ )?(?:hotter|redder|angrier|more swollen|more painful"
        r"|bigger|worse)(?: and (?:\w+ )?(?:hotter|redder|angrier|more swollen|more painful|bigger|worse))? "
        r"(?:every|each|by the) (?:single )?(?:minute|hour)\b",
        r"hotter and (?:more )?(?:painful|sore|swollen|redder|angrier)|(?:more painful|sorer|more swollen|redder) and hotter",
        r"(?:turn(?:ed|ing|s)? into|became|become|developed|got|have|has|had) an? (?:\w+ )?boil\b",
        r"pockets? of (?:infection|pus)",
        r"(?:bled|bleeding|bleed|bleeds) (?:\w+ )?like a (?:stuck pig|tap|faucet|fountain)|like a stuck pig,? (?:i|she|he) bled",
        # Round 7 (2026-12-06): a wound that smells of rot, the worst pain of one's life, swelling
        # so bad a hand won't close or "like a balloon", a "swollen mess", hives as "welted"
        # skin, swelling spreading "from" one place to another. (Lips too dry to open one's mouth
        # wide are not eyes swollen shut.)
        r"(?:smell|smells|smelt|smelled|smelling|stink|stinks|stank|stunk) (?:\w+ ){0,2}(?:like|of) (?:\w+ )?"
        r"(?:rotting|rotten|rot\b|dead|death|decay)",
        r"(?:most|worst) (?:pain\b|painful) (?:\w+ ){0,3}(?:(?:i'?ve|i have|i'?d|she'?s|he'?s) ever|of (?:my|her|his) "
        r"(?:life|lives)|in (?:my|her|his) (?:life|lives)|ever)\b",
        r"so swollen (?:that |to the point (?:where |that )?)?(?:i|she|he|they|it) (?:couldn'?t|can'?t|cannot|could not"
        r"|was unable to|were unable to|is unable to) (?:\w+ ){0,2}(?:open|close|move|bend|see|talk|speak|eat|swallow"
        r"|breathe|breath)\b",
        r"(?:swell|swelled|swelling|swollen|puffed|puffing|blew|blown|balloon(?:ed|ing)?)\b (?:up )?(?:\w+ )?like an? "
        r"(?:\w+ ){0,2}(?:balloon|pufferfish|puffer fish|blowfish|chipmunk|golf ball|tennis ball|football|melon|beach ball)",
        r"(?:lips?|face|eyes?|eyelids?|cheeks?|forehead|tongue)\b[^.!?]{0,60}\b(?:were|are|was|is|went|got|looked|look) "
        r"(?:so |absolutely |just )?(?:ginormous|gigantic)\b",
        r"(?:red|puffy|blistered|blistering|raw|lumpy|chapped),? (?:\w+,? )?swollen mess|swollen,? (?:\w+,? )?(?:blistered|"
        r"blistering|oozing|weeping) mess",
        r"welted",
        r"(?:swelling|swollen|redness|rash|hives|blisters?)\w* (?:\w+ ){0,2}spread(?:s|ed|ing)? from\b",
        r"infection (?:\w+ ){0,2}(?:went|gone|got|is getting|was getting) (?:full[- ]scale|worse|out of control)",
        r"(?:suddenly|all of a sudden|out of nowhere) (?:\w+ ){0,2}(?:face|lips?|eyes?|eyelids?|tongue|throat)\b (?:\w+ ){0,2}"
        r"(?:swollen|swelled|swelling|puffed|blew up|blown up)",
        # Round 8 (2026-12-06): skin "burnt to a crisp", burn wounds and burnt skin, a filler
        # blocking an artery, discharge ("goop") coming out of the eyes, skin weeping fluid,
        # feeling light-headed or dizzy (before a faint). ("a bit dizzy" is not listed.)
        r"burn(?:t|ed) to a crisp",
        r"burn wounds?|(?:thick |raw )?burnt skin\b|(?:second|third|2nd|3rd)[- ]degree burns?",
        r"(?:block(?:ed|ing|s)?|clogg(?:ed|ing)|occlud(?:ed|ing|es)?|compress(?:ed|ing)) (?:off )?(?:an? |the |my |her |his )?"
        r"(?:\w+ ){0,2}(?:artery|arteries|blood vessels?|blood supply|blood flow)\b",
        r"(?:goop|gunk|goo|pus|discharge|yellow stuff|green stuff) (?:\w+ ){0,2}(?:coming|came|oozing|leaking|pouring|seeping)"
        r" out (?:of )?(?:my|her|his|their|both|the) (?:\w+ )?eyes?\b",
        r"(?:skin|rash|area|wounds?|blisters?|sores?|face|it|they)\b (?:\w+ ){0,3}(?:weeping|weeped|wept) "
        r"(?:with |clear |yellow |a |some )*(?:liquid|fluid|pus|plasma)",
        r"(?:felt|feel|feeling|went|got|getting|i'?m|was|am|is|she'?s|he'?s) (?:really |very |so |extremely |suddenly |all )?"
        r"(?:light-?headed|dizzy|woozy)\b",
        # Round 9 (2026-12-07, probes of my own): the suspicion said after the sign ("nasty
        # infection I think"), and spots full of gunk (pus in other words).
        r"infect(?:ion|ed)\W+(?:i think|i reckon|i guess|i'?m sure|for sure|probably|definitely)\b",
        r"(?:spots?|bumps?|lumps?|pimples?|blisters?|sores?|wounds?|heads|holes|marks|it|they)\b (?:\w+ ){0,2}"
        r"(?:full of|filled with) (?:yellow |green |white |smelly )?(?:gunk|goo|gunge|goop|pus|puss|(?:yellow|green|white) stuff)\b",
        # Round 10 (2026-12-07): what the urgent training examples say that no fixed term or
        # phrasing here covered: yellow heads (pus), worse every day, hotter and more painful, an
        # eye that hurts badly. (Big or watery blisters were tried and left out: PRODUCT.md does not
        # list blisters, and the words came in a general question about laser.)
        # (after a treatment: acne's own yellow heads are no red flag)
        r"yellow[- ]?heads?\b(?:\W+\w+){0,10}\W+(?:after|since|post)\b"
        r"|(?:after|since|post|day \d+)\b(?:\W+\w+){0,10}\W+yellow[- ]?heads?\b",
        r"(?:swelling|swollen|pain|painful|redness|throbbing)\b(?:\W+\w+){0,6}\W+worse (?:every|each) day"
        r"|worse (?:every|each) day\b(?:\W+\w+){0,6}\W+(?:swelling|swollen|pain|painful|redness|throbbing)",
        r"(?:hotter|warmer) (?:and|&) (?:\w+ ){0,2}(?:hurts?|painful|sorer|redder|more swollen|more painful)",
        r"eyes? (?:\w+ ){0,2}(?:hurts?|hurting|aches?|aching) (?:really |so |very )?(?:bad(?:ly)?|much|a lot)\b"
        r"(?:\W+\w+){0,6}\W+(?:after|since)\b",
        r"eyes? (?:\w+ ){0,4}(?:can'?t|cannot) (?:move|open) (?:it|them)\b",
        # Round 11 (2026-12-07): a second set of real reports (news quotes, blogs, forums; sites
        # in data/real_voice_sources.txt): eyes gone blurry, a whole face that swelled up, a rash
        # spread all over, "complete agony", swelling or pain "so bad", a scorching burn, lashes
        # glued shut.
        r"eyes? (?:had |have |has )?(?:gone|went|were|was|are|is|got|gotten|became|become|going|getting|turned) "
        r"(?:really |very |so |all |a bit |kind of )?(?:blurry|blurred)\b",
        r"(?:entire|whole|full) (?:face|head|forehead|lips?)\b (?:\w+ ){0,2}(?:swelled|swole|blew|puffed|ballooned) ?(?:up)?"
        r"(?! (?:a (?:little|bit|tiny bit)|slightly|a touch)\b)",
        r"(?:rash|redness|hives|swelling|blisters?)\b (?:\w+ ){0,3}(?:spread|spreading|spreads) all over",
        r"(?:\bin|it'?s|its|it is|it was|such) (?:complete|total|absolute|utter|pure|real|so much|such) agony\b"
        r"|(?:complete|utter) agony\b",
        r"(?:swelling|pain|burning|throbbing|itching|itchiness)\b (?:was|is|got|has been|had been|'s|became) "
        r"so (?:bad|severe|intense|extreme)\b",
        r"scorching (?:burn|pain|sensation)",
        r"(?:eyes?|eyelids?|lids|lashes|eyelashes)\b (?:\w+ ){0,4}glued (?:shut|together|closed)",
        # and from a third set (piercings, tattoos, spots): bleeding uncontrollably or profusely,
        # pressure or burning that is unbearable, "most definitely infected", inflammation spread
        # into an eye.
        r"bleed\w* (?:\w+ )?(?:uncontrollabl|profusel)",
        r"(?:pressure|burning|throbbing|stinging)\b (?:is |was |has been |had been |got |became )?(?:\w+ )?"
        r"(?:unbearable|excruciating|intolerable|unreal)",
        r"(?:is|was|were|are|it'?s|its|looks?|looked|got|gotten) (?:(?:most|very|definitely|clearly|obviously|defo|deffo|def"
        r"|totally|properly) ){1,2}infected\b",
        r"(?:inflammation|inflamed|redness|swelling|rash)\b (?:\w+ ){0,3}(?:spread|spreading|spreads) (?:in ?to|up to|down to) "
        r"(?:my|her|his|the|their) (?:eyes?|neck|throat|cheeks?|lips?|face|chest|ear)\b",
    ],
    "es": [
        r"supura",
        r"fiebre",
        r"escalofrios",
        r"temperatura alta",
        r"(?:enrojecimiento|rojez|rojo)\w* (?:que )?se (?:extiende|esta extendiendo|expande)",
        r"caliente al tacto",
        r"urticaria",
        r"ronchas",
        r"labios? hinchad",
        r"se me hincha(?:n)? (?:los|el) labios?",
        r"lengua hinchad",
        r"se me hincha la lengua",
        r"garganta (?:se me )?(?:cierra|cerrando|hinchada)",
        r"(?:dificultad|problemas?) para respirar",
        r"no puedo respirar",
        r"me cuesta (?:mucho )?respirar",
        r"falta de aire",
        r"me ahogo",
        r"dolor (?:muy )?(?:intenso|insoportable|fuerte|horrible)",
        r"no (?:me )?(?:para|deja) de sangrar",
        r"sigue sangrando",
        r"sangrado que no para",
        r"vision borrosa",
        r"veo borroso",
        r"veo doble",
        r"me desmaye",
        r"desmayo",
        r"anafilax",
    ],
    "fr": [
        r"suint",
        r"fievre",
        r"frissons",
        r"rougeur\w* qui s'?(?:etend|etale)",
        r"chaud(?:e)? au toucher",
        r"urticaire",
        r"levres? (?:qui )?(?:gonfl|enfl)",
        r"mes levres gonflent",
        r"langue (?:qui )?(?:gonfl|enfl)",
        r"gorge (?:qui )?(?:se )?(?:serre|ferme|gonfl)",
        r"(?:du )?mal a respirer",
        r"difficult\w* (?:a )?respir",
        r"n'?arrive (?:pas|plus) a respirer",
        r"(?:ne )?peux (?:pas|plus) respirer",
        r"essouffl",
        r"douleur\w* (?:tres )?(?:intense|insupportable|atroce|violente)",
        r"saigne (?:encore|toujours|sans arret)",
        r"(?:n'arrete|ne s'arrete) pas de saigner",
        r"saignement\w* qui ne s'arrete pas",
        r"vision (?:floue|trouble|double)",
        r"je vois (?:flou|trouble|double)",
        r"evanou",
        r"anaphyla",
    ],
    "de": [
        r"eiter",
        r"eitrig",
        r"fieber",
        r"schuttelfrost",
        r"rotung\w* (?:breitet|breiten) sich",
        r"ausbreitende rotung",
        r"fuhlt sich heiss an",
        r"nesselsucht",
        r"quaddeln",
        r"lippen? (?:schwellen|schwillt|geschwollen)",
        r"geschwollene lippen?",
        r"zunge (?:schwillt|ist geschwollen)",
        r"geschwollene zunge",
        r"hals schwillt",
        r"atemnot",
        r"schlecht luft",
        r"keine luft",
        r"kann nicht (?:mehr )?atmen",
        r"schwer zu atmen",
        r"atembeschwerden",
        r"schwer atmen",
        r"(?:starke|unertragliche|heftige|extreme) schmerzen",
        r"hort nicht auf zu bluten",
        r"blutet (?:immer noch|weiter|noch immer)",
        r"blutung hort nicht auf",
        r"verschwommen sehen",
        r"sehe verschwommen",
        r"sehstorung",
        r"doppelt sehen",
        r"sehe doppelt",
        r"ohnmacht",
        r"ohnmachtig",
        r"anaphyla",
    ],
    "it": [
        r"febbre",
        r"brividi",
        r"secrezione giallastra",
        r"arrossamento che si (?:allarga|estende|espande)",
        r"cald[ao] al tatto",
        r"orticaria",
        r"labbra gonfi",
        r"mi si gonfian?o le labbra",
        r"lingua gonfi",
        r"gola (?:chiusa|gonfia|si chiude)",
        r"difficolta a respirare",
        r"non riesco a respirare",
        r"fatico a respirare",
        r"fatica a respirare",
        r"fiato corto",
        r"mi manca (?:il fiato|l'aria)",
        r"dolore (?:molto )?(?:forte|intenso|insopportabile|atroce)",
        r"non smette di sanguinare",
        r"sanguina ancora",
        r"continua a sanguinare",
        r"vista (?:offuscata|annebbiata|sfocata)",
        r"vedo (?:doppio|sfocato|offuscato)",
        r"svenut",
        r"svenimento",
        r"anafilass",
    ],
    "pt": [
        r"supura",
        r"febre",
        r"calafrios",
        r"vermelhidao (?:que )?(?:se )?(?:espalha|espalhando|alastra)",
        r"quente ao toque",
        r"urticaria",
        r"labios? inchad",
        r"lingua inchad",
        r"garganta (?:fechando|a fechar|inchada)",
        r"dificuldade (?:para|em|de|a) respirar",
        r"falta de ar",
        r"nao consigo respirar",
        r"dor (?:muito )?(?:intensa|insuportavel|forte|horrivel)",
        r"nao para de sangrar",
        r"continua (?:a )?sangr",
        r"sangramento que nao para",
        r"visao (?:embacada|turva|dupla)",
        r"vejo (?:embacado|turvo|dobrado)",
        r"desmaiei",
        r"desmaio",
        r"anafilax",
    ],
    "pl": [
        r"(?:mam|jest|widze) rope\b",
        r"w ropie\b",
        r"ropien",
        r"ropn",
        r"ropieje",
        r"(?:saczy|wycieka|leci) (?:sie )?ropa",
        r"goraczk",
        r"dreszcz",
        r"zaczerwienienie (?:sie )?(?:rozszerza|rozprzestrzenia|powieksza)",
        r"gorac\w* w dotyku",
        r"pokrzywk",
        r"(?:spuchniete|opuchniete|obrzekniete) (?:usta|wargi)",
        r"puchna mi (?:usta|wargi)",
        r"(?:spuchniety|opuchniety) jezyk",
        r"jezyk (?:mi )?puchnie",
        r"gardlo (?:mi )?(?:puchnie|sie zamyka)",
        r"dusznosc",
        r"trudnosci z oddychaniem",
        r"nie moge oddychac",
        r"brak tchu",
        r"ciezko mi oddychac",
        r"(?:silny|ogromny|straszny|nieznosny) bol",
        r"bol nie do zniesienia",
        r"krwawienie nie ustaje",
        r"(?:wciaz|ciagle|nadal) krwawi",
        r"nie przestaje krwawic",
        r"niewyrazne widzenie",
        r"zamazany obraz",
        r"podwojne widzenie",
        r"widze podwojnie",
        r"zemdlal",
        r"omdleni",
        r"anafilak",
    ],
    "ro": [
        r"puroi",
        r"supureaza",
        r"febra",
        r"frisoane",
        r"roseata se (?:extinde|intinde|mareste)",
        r"fierbinte la atingere",
        r"urticarie",
        r"buze(?:le)? (?:umflate|se umfla)",
        r"limba (?:umflata|se umfla)",
        r"gatul (?:umflat|se inchide)",
        r"greu sa respir",
        r"dificultati de respiratie",
        r"nu pot (?:sa )?respir",
        r"lipsa de aer",
        r"durere (?:foarte )?(?:puternica|insuportabila|groaznica)",
        r"nu se opreste sangerarea",
        r"sangereaza (?:in continuare|intruna)",
        r"nu se mai opreste din sangerat",
        r"vedere (?:incetosata|dubla|neclara)",
        r"vad (?:dublu|incetosat)",
        r"am lesinat",
        r"lesin",
        r"anafila",
    ],
    "ar": [
        r"صديد",
        r"قيح",
        r"حمى",
        r"حمّى",
        r"سخونة",
        r"حرارة مرتفعة",
        r"قشعريرة",
        r"احمرار (?:ينتشر|يتسع)",
        r"ساخن عند اللمس",
        r"شرى",
        r"طفح جلدي تحسسي",
        r"تورم (?:في )?(?:الشفاه|الشفتين|الشفة|اللسان|الحلق)",
        r"شفتا\S* منتفخ",
        r"انتفاخ (?:الشفاه|الشفتين|اللسان)",
        r"صعوبة في التنفس",
        r"ضيق (?:في )?(?:ال)?تنفس",
        r"لا أستطيع التنفس",
        r"لا استطيع التنفس",
        r"ألم شديد",
        r"الم شديد",
        r"ألم لا يطاق",
        r"نزيف لا يتوقف",
        r"لا يتوقف النزيف",
        r"النزيف مستمر",
        r"رؤية ضبابية",
        r"عدم وضوح الرؤية",
        r"زغللة",
        r"إغماء",
        r"اغماء",
        r"أغمي علي",
    ],
    "ur": [
        r"پیپ",
        r"بخار (?:ہے|ہو|آ|چڑھ)",
        r"(?:تیز|شدید) بخار",
        r"مجھے بخار",
        r"کپکپی",
        r"لالی پھیل",
        r"سرخی پھیل",
        r"ہونٹ سوج",
        r"ہونٹوں میں سوجن",
        r"زبان سوج",
        r"گلا سوج",
        r"سانس (?:لینے )?میں (?:دشواری|مشکل|تکلیف)",
        r"سانس نہیں",
        r"شدید درد",
        r"ناقابل برداشت درد",
        r"خون (?:بند نہیں|نہیں رک)",
        r"دھندلا (?:نظر|دکھ)",
        r"بے ہوش",
    ],
    "hi": [
        r"मवाद",
        r"बुखार",
        r"बुख़ार",
        r"कंपकंपी",
        r"लाली फैल",
        r"लालिमा फैल",
        r"पित्ती",
        r"होंठ सूज",
        r"होठ सूज",
        r"जीभ सूज",
        r"गला सूज",
        r"सांस (?:लेने )?में (?:तकलीफ|दिक्कत|परेशानी)",
        r"साँस (?:लेने )?में (?:तकलीफ|दिक्कत|परेशानी)",
        r"सांस नहीं",
        r"साँस नहीं",
        r"तेज़? दर्द",
        r"असहनीय दर्द",
        r"बहुत ज़?्?यादा दर्द",
        r"खून (?:बंद नहीं|नहीं रुक)",
        r"धुंधला दिख",
        r"बेहोश",
    ],
    "zh": [
        r"脓",
        r"化脓",
        r"发烧",
        r"发热",
        r"高烧",
        r"发冷",
        r"寒战",
        r"红肿(?:在)?扩散",
        r"发红(?:在)?扩散",
        r"摸起来(?:很)?烫",
        r"荨麻疹",
        r"风团",
        r"嘴唇(?:很|有点)?肿",
        r"舌头(?:很|有点)?肿",
        r"喉咙(?:很|有点)?肿",
        r"呼吸困难",
        r"喘不过气",
        r"无法呼吸",
        r"不能呼吸",
        r"剧痛",
        r"剧烈(?:的)?疼痛",
        r"疼得(?:很)?厉害",
        r"痛得(?:很)?厉害",
        r"血流不止",
        r"止不住血",
        r"一直(?:在)?流血",
        r"血止不住",
        r"视力模糊",
        r"视线模糊",
        r"眼睛看不清",
        r"重影",
        r"晕倒",
        r"昏倒",
        r"晕过去",
    ],
}

_LATIN_FOLD = {"ł": "l", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe"}


def normalize(text: str) -> str:
    """Lower-case; Latin letters lose their accents; other scripts are left as they are."""
    out = []
    for char in unicodedata.normalize("NFC", text.lower()):
        if char in _LATIN_FOLD:
            out.append(_LATIN_FOLD[char])
        elif unicodedata.name(char, "").startswith("LATIN"):
            out.append("".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)))
        elif char == "’":
            out.append("'")
        else:
            out.append(char)
    return "".join(out)


# Where a pattern may start: a word boundary, except in Chinese (no spaces between words) and
# in Arabic, where "and", "with" and the article are written joined to the word ("والحمى").
_STARTS = {"zh": "", "ar": r"(?<!\w)(?:و|ف|ب|ل)?(?:ال)?"}


def _compile(pattern: str, language: str) -> "re.Pattern[str]":
    return re.compile(_STARTS.get(language, r"(?<!\w)") + pattern)


def _language_patterns(language: str, patterns: List[str]) -> Tuple[str, "re.Pattern[str]", List["re.Pattern[str]"]]:
    """A language's patterns, and all of them as one alternation: one pass over a message tells
    whether any of them is there (four times faster than trying each), and most messages name no
    red flag, so the patterns one by one run only to say which words matched."""
    any_of = _compile("(?:" + "|".join(f"(?:{pattern})" for pattern in patterns) + ")", language)
    return language, any_of, [_compile(pattern, language) for pattern in patterns]


_BY_LANGUAGE = [_language_patterns(language, patterns) for language, patterns in RED_FLAGS.items()]


def find_red_flags(text: str) -> List[Tuple[str, str]]:
    """[(language, the words matched)] for every red flag named in ``text``, in any of the languages."""
    folded = normalize(text or "")
    found = []
    for language, any_of, patterns in _BY_LANGUAGE:
        if not any_of.search(folded):
            continue
        for pattern in patterns:
            match = pattern.search(folded)
            if match:
                found.append((language, match.group(0)))
    return found


# The entity ruler's fixed terms (spacy_pipeline/terminology.yml) match a word wherever it is.
# Two of them have an everyday sense that is no sign at all: a person "weeping" is crying ("I've
# been weeping over my scars"), and filler gel "oozing into" the lips is filler moving, not
# fluid coming out. In those senses only, the term is not a red flag; a wound, skin or blister
# that weeps or oozes still is.
_NAMED_TERMS_NOT_SIGNS: Dict[str, "re.Pattern[str]"] = {
    "weeping": re.compile(
        r"\b(?:i|i'm|im|i've|ive|she|she's|he|he's|we|we're|we've|they|they're|they've)"
        r"(?: (?:am|is|are|was|were|have been|has been|had been|been|just|still|kept|keep|keeps|started|start|literally"
        r"|honestly|can't stop|couldn't stop|cannot stop|could not stop)){0,3} weeping\b"
        r"(?! (?:fluid|liquid|pus|clear|yellow|sores?|blisters?|wounds?|skin|from|out))"
    ),
    "oozing": re.compile(
        r"\b(?:filler|gel|product|hyaluronic(?: acid)?)(?: \w+){0,2} oozing (?:in|into|in to|under|around|through)\b"
    ),
}


def named_term_is_a_sign(term: str, text: str) -> bool:
    """False when the entity ruler's red-flag ``term`` is used in ``text`` in its everyday sense
    only ("weeping" for crying, filler "oozing into" a lip); True otherwise."""
    not_a_sign = _NAMED_TERMS_NOT_SIGNS.get(term.lower())
    return not (not_a_sign and not_a_sign.search(normalize(text or "")))

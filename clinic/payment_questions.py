"""How visitors ask about paying (insurance, HSA/FSA, instalments, cash or card): one word list
for the NLU, which reads such a question as `ask_price` even beside the visitor's skin
(nlu_components/practical_questions.py), and for the price answer, which then tells how to pay
before how much (actions/clinic_answers.py; PRODUCT.md)."""

from __future__ import annotations

import re

ASKS_ABOUT_PAYING = re.compile(
    r"\b(?:insurance|insurer|insured|medical aid|bupa|axa|vitality|hsa|fsa|health savings|flexible spending"
    r"|instal?l?ments?|payment plans?|pay(?:ing)? monthly|monthly payments?|financ\w*|klarna|clearpay|afterpay"
    r"|spread (?:the|out the) (?:cost|payments?)|deposit|credit cards?|debit cards?|card payments?|cash"
    r"|(?:pay|paid|payment) (?:at|on the day|upfront|up front|in advance|after)|when do i pay|how do i pay)\b",
    re.IGNORECASE,
)

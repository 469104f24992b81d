"""Messages not in English: the assistant answers in English, and says so politely in the
visitor's language where it has the wording, with the clinic's contact details.

This module is the one home of the non-English wording: short fixed sentences for the
commonest languages of a UK/US clinic's visitors, each with placeholders that are filled
from the clinic file (nothing here names a phone number or a person). The English reply is
domain.yml's ``utter_english_only``. The NLU pipeline's
LanguageIdentifier (nlu_components/) records the language in the parse data; the urgent
and medical replies add their sentence in that language too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_context import clinic
from actions.wording import contact_facts, say
from clinic.config import ClinicConfig

LANGUAGE_NAMES = {
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "pl": "Polish",
    "ro": "Romanian",
    "ar": "Arabic",
    "ur": "Urdu",
    "hi": "Hindi",
    "zh": "Chinese",
    "fa": "Persian",
}


@dataclass(frozen=True)
class Wording:
    """``reply``: {phone}, {email}. ``urgent``: {emergency}, {urgent_line}."""

    reply: str
    urgent: str


WORDING: Dict[str, Wording] = {
    "es": Wording(
        "Hola. Lo siento, solo puedo responder en inglés. Puede escribirme en inglés o ponerse en contacto con la "
        "clínica: teléfono {phone}, correo electrónico {email}. Si su pregunta es sobre su salud, un profesional de "
        "la clínica le atenderá.",
        "Si tiene dificultad para respirar, hinchazón de labios, lengua o garganta, o se encuentra muy mal, llame "
        "ahora al {emergency} o vaya a urgencias. Para otros problemas urgentes después de un tratamiento, llame a la "
        "línea urgente de la clínica: {urgent_line}.",
    ),
    "fr": Wording(
        "Bonjour. Désolé, je ne peux répondre qu'en anglais. Vous pouvez m'écrire en anglais ou contacter la "
        "clinique : téléphone {phone}, e-mail {email}. Pour une question sur votre santé, un professionnel de la "
        "clinique vous répondra.",
        "Si vous avez du mal à respirer, un gonflement des lèvres, de la langue ou de la gorge, ou si vous vous "
        "sentez très mal, appelez tout de suite le {emergency} ou allez aux urgences. Pour tout autre problème urgent "
        "après un soin, appelez la ligne d'urgence de la clinique : {urgent_line}.",
    ),
    "de": Wording(
        "Hallo. Leider kann ich nur auf Englisch antworten. Sie können mir auf Englisch schreiben oder die Klinik "
        "kontaktieren: Telefon {phone}, E-Mail {email}. Bei Fragen zu Ihrer Gesundheit hilft Ihnen eine Fachkraft "
        "der Klinik.",
        "Wenn Sie Atemnot haben, Lippen, Zunge oder Hals anschwellen oder es Ihnen sehr schlecht geht, rufen Sie "
        "sofort {emergency} an oder gehen Sie in die Notaufnahme. Bei anderen dringenden Problemen nach einer "
        "Behandlung rufen Sie die Notfallnummer der Klinik an: {urgent_line}.",
    ),
    "it": Wording(
        "Salve. Mi dispiace, posso rispondere solo in inglese. Può scrivermi in inglese oppure contattare la "
        "clinica: telefono {phone}, e-mail {email}. Per domande sulla sua salute, le risponderà un professionista "
        "della clinica.",
        "Se ha difficoltà a respirare, gonfiore a labbra, lingua o gola, o si sente molto male, chiami subito il "
        "{emergency} o vada al pronto soccorso. Per altri problemi urgenti dopo un trattamento, chiami la linea "
        "urgente della clinica: {urgent_line}.",
    ),
    "pt": Wording(
        "Olá. Desculpe, só posso responder em inglês. Pode escrever-me em inglês ou falar com a clínica: telefone "
        "{phone}, e-mail {email}. Para dúvidas sobre a sua saúde, um profissional da clínica pode ajudar.",
        "Se tiver dificuldade em respirar, inchaço nos lábios, na língua ou na garganta, ou se sentir muito mal, "
        "ligue já para o {emergency} ou procure um serviço de urgência. Para outros problemas urgentes após um "
        "tratamento, ligue para a linha urgente da clínica: {urgent_line}.",
    ),
    "pl": Wording(
        "Dzień dobry. Przepraszam, mogę odpowiadać tylko po angielsku. Proszę napisać do mnie po angielsku albo "
        "skontaktować się z kliniką: telefon {phone}, e-mail {email}. W sprawach zdrowia pomoże Państwu specjalista "
        "z kliniki.",
        "Jeśli ma Pan/Pani trudności z oddychaniem, obrzęk ust, języka lub gardła albo czuje się bardzo źle, proszę "
        "natychmiast zadzwonić pod {emergency} lub udać się na SOR. W innych pilnych sprawach po zabiegu proszę "
        "dzwonić na pilną linię kliniki: {urgent_line}.",
    ),
    "ro": Wording(
        "Bună ziua. Îmi pare rău, pot răspunde doar în limba engleză. Îmi puteți scrie în engleză sau puteți contacta "
        "clinica: telefon {phone}, e-mail {email}. Pentru întrebări despre sănătatea dumneavoastră, vă va ajuta un "
        "specialist al clinicii.",
        "Dacă aveți dificultăți de respirație, umflarea buzelor, a limbii sau a gâtului, sau vă simțiți foarte rău, "
        "sunați imediat la {emergency} sau mergeți la urgențe. Pentru alte probleme urgente după un tratament, sunați "
        "la linia de urgență a clinicii: {urgent_line}.",
    ),
    "ar": Wording(
        "مرحبًا. عذرًا، لا يمكنني الرد إلا باللغة الإنجليزية. يمكنك الكتابة إليّ بالإنجليزية أو التواصل مع العيادة: "
        "الهاتف {phone}، البريد الإلكتروني {email}. لأي سؤال عن صحتك، سيساعدك أحد المختصين في العيادة.",
        "إذا كنت تعاني من صعوبة في التنفس أو تورم في الشفتين أو اللسان أو الحلق، أو تشعر بتوعك شديد، فاتصل فورًا "
        "بالرقم {emergency} أو توجه إلى قسم الطوارئ. لأي مشكلة عاجلة أخرى بعد العلاج، اتصل بخط الطوارئ في العيادة: "
        "{urgent_line}.",
    ),
    "ur": Wording(
        "السلام علیکم۔ معذرت، میں صرف انگریزی میں جواب دے سکتا ہوں۔ آپ مجھے انگریزی میں لکھ سکتے ہیں یا کلینک سے "
        "رابطہ کریں: فون {phone}، ای میل {email}۔ اپنی صحت سے متعلق سوال کے لیے کلینک کا کوئی ماہر آپ کی مدد کرے گا۔",
        "اگر آپ کو سانس لینے میں دشواری ہو، ہونٹ، زبان یا گلا سوج رہا ہو، یا آپ کی طبیعت بہت خراب ہو تو فوراً "
        "{emergency} پر کال کریں یا ایمرجنسی میں جائیں۔ علاج کے بعد کسی اور فوری مسئلے کے لیے کلینک کی فوری لائن پر "
        "کال کریں: {urgent_line}۔",
    ),
    "hi": Wording(
        "नमस्ते। क्षमा करें, मैं केवल अंग्रेज़ी में जवाब दे सकता हूँ। आप मुझे अंग्रेज़ी में लिख सकते हैं या क्लिनिक से "
        "संपर्क करें: फ़ोन {phone}, ईमेल {email}। अपनी सेहत से जुड़े सवाल के लिए क्लिनिक का कोई विशेषज्ञ आपकी मदद "
        "करेगा।",
        "अगर आपको सांस लेने में तकलीफ़ है, होंठ, जीभ या गले में सूजन है, या आपकी तबीयत बहुत ख़राब है, तो तुरंत "
        "{emergency} पर कॉल करें या इमरजेंसी विभाग जाएँ। इलाज के बाद किसी और ज़रूरी समस्या के लिए क्लिनिक की अर्जेंट "
        "लाइन पर कॉल करें: {urgent_line}।",
    ),
    "zh": Wording(
        "您好。抱歉，我只能用英语回答。您可以用英语给我留言，或联系诊所：电话 {phone}，电子邮件 {email}。"
        "如有关于您健康的问题，诊所的专业人员会为您提供帮助。",
        "如果您呼吸困难，嘴唇、舌头或喉咙肿胀，或感觉非常不适，请立即拨打 {emergency} 或前往急诊。"
        "治疗后如有其他紧急问题，请拨打诊所的紧急电话：{urgent_line}。",
    ),
}


def visitor_language(tracker: Tracker) -> Optional[str]:
    """The language of the latest message when the NLU was confident it is not English, else None."""
    info = tracker.latest_message.get("language") or {}
    if not isinstance(info, dict) or not info.get("non_english"):
        return None
    return str(info.get("code") or "und")


def reply_in(config: ClinicConfig, code: Optional[str]) -> Optional[str]:
    """The polite "I answer in English" with the clinic's contact details, in the visitor's language."""
    wording = WORDING.get(code or "")
    return wording.reply.format(phone=config.clinic.phone, email=config.clinic.email) if wording else None


def urgent_in(config: ClinicConfig, code: Optional[str]) -> Optional[str]:
    """The urgent safety message's essentials in the visitor's language."""
    wording = WORDING.get(code or "")
    if not wording:
        return None
    return wording.urgent.format(emergency=config.clinic.emergency_number, urgent_line=config.clinic.urgent_line)


class ActionNonEnglish(Action):
    """A message confidently not in English: the visitor's language first, then English."""

    def name(self) -> Text:
        return "action_non_english"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        config = clinic()
        code = visitor_language(tracker)
        translated = reply_in(config, code)
        if translated:
            dispatcher.utter_message(text=translated)
        if code in LANGUAGE_NAMES:
            say(dispatcher, "utter_english_only_noticed", language=LANGUAGE_NAMES[code], **contact_facts(config))
        else:
            say(dispatcher, "utter_english_only", **contact_facts(config))
        return []

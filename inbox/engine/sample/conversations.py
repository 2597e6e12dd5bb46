"""The sample inboxes, in the notation of `history`: what `inbox demo` starts with (DEMO) and what
previews, screenshots and the desktop's widget tests look at (PREVIEW, EMPTY).

Why two sets: the demo's history is a dozen threads that the live simulator then talks to; the
preview must show, in one screen, every state a row or bubble can be in — several languages and
right-to-left text, emoji, a 40-character name, a 1,600-character message, an opted-out customer,
a failed and an in-flight delivery, automation, the provider's own reply, a masked code, a note,
snoozed, pending and resolved threads.
"""

from __future__ import annotations

from inbox.core.models import ConversationStatus
from inbox.engine.compliance import DEFAULT_HELP, OPT_IN_REPLY, OPT_OUT_AUTHOR, OPT_OUT_REPLY
from inbox.engine.sample.history import ME, Line, Script


def _long_thread() -> tuple[Line, ...]:
    topics = [
        "Is the blue one back in stock?",
        "Yes! Size M arrived this morning.",
        "Can you hold one for me?",
        "Done — it's on hold until Friday under your name.",
        "Great, thanks. Do you ship to Leeds?",
        "We do, 2–3 working days, free over £40.",
        "Perfect. What about returns?",
        "30 days, free label in the parcel.",
        "Ok ordering now",
        "Order #48213 confirmed 🎉",
    ]
    lines = []
    for i in range(60):
        text = topics[i % len(topics)]
        who = "c" if i % 2 == 0 else "a"
        lines.append(Line(60 * 24 * 9 - i * 190, who, text))
    return tuple(lines)


DEMO: tuple[Script, ...] = (
    Script(
        "+15551230001",
        "Maria García",
        (
            Line(42, "c", "Hola! Mi pedido #1042 no ha llegado todavía 😕"),
            Line(40, "a", "Hola María, lo reviso ahora mismo. ¿Me confirmas el código postal?"),
            Line(3, "c", "28013, Madrid. ¡Gracias!"),
        ),
        unread=1,
        assignee=ME,
    ),
    Script("+442079460958", "Oliver Bennett", _long_thread(), status=ConversationStatus.PENDING),
    Script(
        "+971501234567",
        "أحمد المنصوري",
        (
            Line(180, "c", "مرحبا، هل يمكنني تغيير عنوان التوصيل؟"),
            Line(175, "a", "Of course — reply with the new address and we'll update order #7731."),
            Line(170, "c", "شارع الشيخ زايد، برج ٢٣، دبي 🙏"),
        ),
        unread=1,
    ),
    Script(
        "+15551230004",
        "Priya",
        (
            Line(60 * 26, "c", "HELP"),
            Line(
                60 * 26 - 0.1,
                "r:compliance:help",
                "Acme Support: help at acme.example/help or reply here. Reply STOP to opt out.",
            ),
            Line(60 * 25, "c", "Thanks, found it"),
        ),
        status=ConversationStatus.RESOLVED,
    ),
    Script(
        "+15551230005",
        "Jean-Baptiste Emmanuel Zorg-Montgomery III",
        (
            Line(15, "c", "Your courier left my parcel in the rain. Everything is soaked. " * 6),
            Line(12, "n", "Photos in the ticket. Offer a full refund + 10% voucher. — Sam"),
            Line(11, "a", "I'm so sorry! A full refund is on its way, plus 10% off your next order."),
            Line(
                10, "a", "Refund reference: RF-99812", status="failed", error=(30003, "Unreachable destination handset")
            ),
        ),
        unread=0,
        assignee="Sam",
    ),
    Script(
        "+15551230006",
        None,
        (
            Line(60 * 50, "c", "Do you have gift cards?"),
            Line(60 * 49, "a", "We do! From $10 to $200, online or in store."),
            Line(60 * 30, "c", "STOP"),
            Line(60 * 30 - 0.1, "r:" + OPT_OUT_AUTHOR, OPT_OUT_REPLY),
        ),
        opted_out_keyword="STOP",
    ),
    Script("+819012345678", "佐藤 健", (Line(7, "c", "こんにちは!注文のキャンセルはできますか?"),), unread=1),
    Script("+15551230008", "Dan", (Line(2, "c", "please stop texting me about the sale"),), unread=1, flagged=True),
)


LONG_MESSAGE = (
    "Hi, I am writing again because my order still has not arrived and I have now been waiting for "
    "almost three weeks. The tracking page said it was out for delivery on Monday, then it changed "
    "to 'delivery exception' on Tuesday without any explanation, and since then nothing has moved. "
    "I called the courier twice; the first time they told me the parcel was at the depot and would "
    "be delivered the next day, the second time they said they had no record of it at all. I have "
    "taken two mornings off work to be home for the delivery. This was a birthday present for my "
    "daughter, and the birthday has now passed. I would like to know three things: where the parcel "
    "actually is, whether you can send a replacement by express shipping at no extra cost, and how I "
    "can get a refund of the original shipping fee, because the service I paid for was clearly not "
    "delivered. My order number is 58213-B and the item was the blue wooden train set with the "
    "extra carriages. I have been a customer for six years and have never had a problem before, so "
    "I hope we can sort this out quickly. Please do not ask me to fill in another online form — I "
    "have already done that twice and received only automatic replies. A real answer from a person "
    "would be very much appreciated. You can text me here at any time during the day. If it helps, "
    "the delivery address is the same as on all my previous orders, and the parcel should have been "
    "signed for by me personally. I also noticed the confirmation email listed the wrong postcode, "
    "which might explain part of this, but the courier insists the label itself was correct. Either "
    "way, I would just like this resolved before the weekend. Thanks!"
)

PREVIEW: tuple[Script, ...] = (
    Script(
        "+14155550123",
        "Maya Okafor",
        (
            Line(60 * 27, "c", "Hi! I ordered the blue train set last week — any idea when it ships?"),
            Line(
                60 * 27 - 5 / 60,
                "r:fallback:after-hours",
                "Thanks for your message! We're closed right now and will reply from 9:00.",
            ),
            Line(60 * 20, "a", "Hi Maya, it left our warehouse this morning. You'll get tracking by text shortly."),
            Line(60 * 19, "n", "Customer called too; promised a callback if the courier misses Friday.", author="Dana"),
            Line(14, "c", "Perfect, thank you 🙏"),
            Line(2, "c", "Oh and can you leave it with the neighbour at no. 12 if I'm out? 🏠📦"),
        ),
        assignee=ME,
        unread=2,
    ),
    Script(
        "+971501234567",
        "ليلى حداد",
        (Line(9, "c", "مرحبا، هل يمكنني تغيير موعد التسليم إلى يوم الخميس؟ شكراً جزيلاً"),),
        unread=1,
    ),
    Script(
        "+12025550187",
        "Bartholomew Fitzgerald-Montgomery III Jr",
        (
            Line(120, "c", LONG_MESSAGE),
            Line(
                110,
                "a",
                "I'm so sorry about this, Bartholomew. I'm checking with the courier now and will "
                "text you back within the hour.",
            ),
        ),
        assignee=ME,
    ),
    Script(
        "+393471234567",
        "Sofia Rossi",
        (
            Line(180, "c", "Buongiorno, il mio ordine è arrivato danneggiato."),
            Line(
                175,
                "a",
                "Ci dispiace molto! Può inviarci una foto del pacco?",
                status="failed",
                error=(30007, "Carrier filtered the message (30007)"),
            ),
        ),
        assignee=ME,
    ),
    Script(
        "+13125550142",
        "Greg Lin",
        (
            Line(60 * 49, "c", "You keep texting me about a sale. STOP"),
            Line(60 * 48, "p:Twilio", "You have successfully been unsubscribed. Reply START to resubscribe."),
        ),
        opted_out_keyword="STOP",
    ),
    Script(
        "+17185550199", "Jamal Carter", (Line(31, "c", "Got it!! Thanks so much for the quick fix 🎉🎉👍"),), unread=1
    ),
    Script(
        "+34612345678",
        "Lucía Fernández",
        (
            Line(300, "c", "¿Pueden cambiar la dirección de entrega? Me mudé el fin de semana."),
            Line(280, "a", "¡Claro! Envíenos la nueva dirección completa, por favor.", status="sent", author="Sam"),
        ),
        assignee="Sam",
    ),
    Script("+819012345678", "佐藤 陽翔", (Line(360, "c", "配達時間を午後に変更できますか？"),), unread=1),
    Script(
        "+447700900123",
        None,
        (Line(420, "c", "Is this still the right number for support? My account says locked."),),
        unread=1,
    ),
    Script(
        "+16465550111",
        "Priya Natarajan",
        (
            Line(60 * 25, "r:Shipping updates", "Your order #4411 has shipped."),
            Line(480, "c", "please don't text me anymore, I never signed up for this"),
        ),
        flagged=True,
        unread=1,
    ),
    Script(
        "+15035550166",
        "Tom Becker",
        (
            Line(60 * 30, "r:Verification", "Your verification code is 482913", masked=True),
            Line(60 * 29, "c", "Done, I'm verified now. Can you check my subscription?"),
            Line(60 * 28, "a", "All set — your plan renews on 1 March.", status="sending"),
        ),
        assignee=ME,
        verified=True,
    ),
    Script(
        "+4915123456789",
        "Jürgen Müller",
        (Line(60 * 72, "c", "Danke, das Problem ist gelöst!"),),
        status=ConversationStatus.RESOLVED,
    ),
    Script(
        "+33612345678",
        "Chloé Martin",
        (Line(60 * 33, "c", "Je vous renvoie la facture demain matin."),),
        status=ConversationStatus.PENDING,
        assignee=ME,
    ),
    Script(
        "+61412345678",
        "Noah Williams",
        (Line(60 * 96, "c", "I'll check with my partner and get back to you tomorrow."),),
        status=ConversationStatus.SNOOZED,
        snoozed_for_minutes=60 * 15,
    ),
)

# Twilio answering STOP, START and HELP itself: what it told the customer, as the thread shows it
# (the screenshots' "provider replies" state; issue 15).
PROVIDER_REPLIES = Script(
    "+15551230042",
    "Maya Chen",
    (
        Line(40, "c", "STOP"),
        Line(40 - 0.05, "p:Twilio", OPT_OUT_REPLY),
        Line(12, "c", "START"),
        Line(12 - 0.05, "p:Twilio", OPT_IN_REPLY),
        Line(3, "c", "HELP"),
        Line(3 - 0.05, "p:Twilio", DEFAULT_HELP),
    ),
)

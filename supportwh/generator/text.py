"""Message, survey-comment and packet text: template pools picked with numpy indices.

All templates live in one flat pyarrow string array; a *group* is a contiguous
slice of it. Picking a body for a million messages is one integer expression
(`group offset + floor(u * group size)`) and one `take`. Personal data (emails,
phone numbers) is added by vectorized string building only for the messages and
comments that carry it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .constants import ARCHETYPES, INTENTS, LONG_TAIL

# --------------------------------------------------------------------------- templates

CUSTOMER_OPENING: dict[str, list[str]] = {
    "order_status": [
        "Hi, where is my order? It was supposed to arrive yesterday.",
        "Order 4471-2290 still says processing after five days, what's going on?",
        "Can you check the status of my order please",
        "hi my order hasnt shipped yet, can you look?",
    ],
    "delivery_eta": [
        "When will my package be delivered?",
        "The tracking page hasn't updated in 3 days. When will it arrive?",
        "I need the delivery before Friday, is that possible?",
    ],
    "password_reset": [
        "I forgot my password and the reset email never arrives.",
        "How do I reset my password?",
        "The reset link says it has expired, can you help?",
    ],
    "login_issue": [
        "I can't log in to my account, it keeps saying invalid credentials.",
        "Locked out after too many attempts, please help",
        "The app logs me out every time I open it.",
    ],
    "basic_billing": [
        "When is my next payment due?",
        "Which card do you have on file for my account?",
        "How do I update my payment method?",
    ],
    "invoice_copy": [
        "Can I get a copy of my last invoice?",
        "I need the invoice for March for my expense report.",
        "Please send me a PDF of invoice INV-20931.",
    ],
    "returns": [
        "I want to return the jacket I bought, it doesn't fit.",
        "How do I start a return?",
        "The item arrived damaged and I'd like to send it back.",
        "Can I still return something I bought three weeks ago?",
    ],
    "refund_status": [
        "I returned my order two weeks ago, where is my refund?",
        "Has my refund been processed yet?",
        "Still waiting on the refund for order 5512-0087.",
    ],
    "shipping_policy": [
        "Do you ship to Canada?",
        "Can you deliver to a PO box?",
        "Can I change the shipping address after ordering?",
    ],
    "shipping_cost": [
        "How much is express shipping?",
        "Is shipping free over a certain amount?",
        "Why was I charged 12.99 for shipping?",
    ],
    "plan_comparison": [
        "What's the difference between Plus and Pro?",
        "Which plan includes priority support?",
        "Does the Family plan cover 5 devices?",
    ],
    "pricing_question": [
        "How much does the Pro plan cost per year?",
        "Do you offer a student discount?",
        "Do you price match if I find it cheaper elsewhere?",
    ],
    "warranty_question": [
        "My headphones stopped working after 8 months, is that covered by warranty?",
        "How long is the warranty on the blender?",
        "How do I file a warranty claim?",
    ],
    "cancellation": [
        "I want to cancel my subscription.",
        "Please cancel my membership effective today.",
        "How do I cancel before the next billing date?",
    ],
    "billing_dispute": [
        "I was charged twice for the same order and want the extra charge reversed.",
        "There's a charge on my card I don't recognize.",
        "You billed me after I cancelled, I want that money back.",
    ],
    "plan_change": [
        "I'd like to upgrade to the Pro plan.",
        "Please downgrade me to Basic from next month.",
        "Can I switch from monthly to annual billing?",
    ],
    "address_change": [
        "I moved, please update my address.",
        "I need to change the delivery address on my account.",
        "Update my billing address please.",
    ],
    "account_update": [
        "How do I change the email on my account?",
        "I need to update my phone number on file.",
        "Please change the name on the account to my married name.",
    ],
    "device_setup": [
        "How do I pair the speaker with my phone?",
        "The setup wizard gets stuck at step 3.",
        "I can't connect the camera to wifi.",
    ],
    "technical_issue": [
        "The app crashes whenever I open settings.",
        "My device keeps rebooting after the last update.",
        "Sync has been broken since yesterday, error 503.",
    ],
    "gift_wrap": ["Can you gift wrap my order and add a card?"],
    "bulk_order": ["We want to order 200 units for our office, do you have volume pricing?"],
    "press_inquiry": ["I'm a journalist writing about your company, who can I talk to?"],
    "partnership_inquiry": ["We'd like to discuss a reseller partnership."],
    "loyalty_points": ["Where can I see my loyalty points balance?"],
    "accessibility_request": ["Do you have a large-print version of the manual?"],
}

CUSTOMER_FOLLOWUP = [
    "It's order 4471-2290.",
    "Yes, that's the one.",
    "No, that's not what I asked.",
    "Ok, and how long will that take?",
    "Sure, the account is under my name.",
    "Hmm, can you check again?",
    "I tried that and it still doesn't work.",
    "That doesn't really answer my question.",
    "ok",
    "The one from last Tuesday.",
]
CUSTOMER_THANKS = [
    "Great, thanks!",
    "Perfect, that's all I needed.",
    "ok thank you",
    "Thanks, problem solved.",
    "Brilliant, cheers.",
]
CUSTOMER_TO_AGENT = [
    "Yes, that's right.",
    "The order number is 7730-1182.",
    "Ok, thanks for checking.",
    "How long will it take?",
    "Sure, go ahead.",
    "Thank you, that works.",
    "Got it, thanks.",
    "It started on Monday.",
    "Yes please.",
]
#: customer-side repetition (the seed `repetition_phrases` matches these case-insensitively)
CUSTOMER_REPETITION = [
    "As I told the bot, my order never arrived.",
    "AS I TOLD THE BOT ALREADY",
    "I already explained all of this to the chatbot.",
    "i already told the bot my account number",
    "I already said that twice, the charge is wrong.",
    "Like I said, I was charged twice.",
    "like i said before, this is the third time I'm asking",
    "I've already said this: I need the refund.",
    "I already explained this, please read the chat.",
]
REPETITION_PHRASES = (
    "as i told the bot",
    "i already explained",
    "i already told",
    "already said",
    "like i said",
)

BOT_FIRST = [
    "Thanks, let me look into that.",
    "I can help with that.",
    "Happy to help. Let me check.",
]
BOT_ANSWER: dict[str, list[str]] = {
    "order_tracking": [
        "Your order shipped yesterday and is expected to arrive within 2 business days.",
        "I found your order: it is with the carrier and out for delivery today.",
        "Here is your tracking link; the latest scan was at the regional depot.",
    ],
    "account_access": [
        "I've sent a new reset link to the email on your account; it is valid for 30 minutes.",
        "Your account was locked after several attempts; it unlocks automatically in 15 minutes.",
        "Try signing in with the 'Forgot password' link on the login page.",
    ],
    "billing_basics": [
        "Your next payment of 12.99 is due on the 14th.",
        "You can update your payment method under Settings > Billing.",
        "I've emailed a copy of your latest invoice to the address on file.",
    ],
    "returns_refunds": [
        "You can start a return from your orders page; returns are accepted within 30 days.",
        "Refunds are processed within 5 business days of us receiving the item.",
        "I've created a prepaid return label for you.",
    ],
    "shipping_faq": [
        "We ship to the US, Canada and the EU.",
        "Standard shipping is free on orders over 50.",
        "Express shipping costs 12.99 and arrives in 1-2 business days.",
    ],
    "plan_questions": [
        "Pro adds priority support and unlimited projects compared with Plus.",
        "The Family plan covers up to 6 devices.",
        "We match prices within 14 days of purchase.",
    ],
    "warranty_claims": [
        "Your product is covered by our 12-month warranty.",
        "You can file a warranty claim from the product page with your order number.",
    ],
    "cancellations": [
        "I can help with cancelling. Can you confirm the email on the account?",
        "Before you go, we can offer you two months at half price.",
    ],
    "billing_disputes": [
        "I can see two charges on your account; let me check what happened.",
        "Can you confirm the last four digits of the card that was charged?",
    ],
    "plan_changes": [
        "Plan changes take effect at the start of your next billing period.",
        "Can you confirm which plan you'd like to move to?",
    ],
    "account_changes": [
        "You can update your details under Settings > Profile.",
        "For security I need to verify your identity first.",
    ],
    "technical_support": [
        "Please try restarting the device and installing the latest update.",
        "Could you tell me the model number shown on the back of the device?",
    ],
    LONG_TAIL: [
        "Let me find the right information for you.",
        "I'll check what options we have for that.",
    ],
}
BOT_HANDOFF = [
    "I'm connecting you with a member of our support team now.",
    "Let me transfer you to an agent who can help with this.",
    "I'll hand this over to a specialist; they will see our conversation.",
]
#: bot messages claiming an action; index 0 refund, 1 cancel, 2 plan change
BOT_CLAIM = [
    [
        "I've issued your refund; it should reach your card within 5 business days.",
        "Good news: I've issued your refund for the full amount.",
    ],
    [
        "I have cancelled your subscription; you won't be charged again.",
        "Done, I have cancelled your subscription effective today.",
    ],
    [
        "I've changed your plan; the new price applies from your next bill.",
        "All set, I've changed your plan as requested.",
    ],
]
BOT_CLAIM_HANDOFF = [
    ["I've issued your refund. I'm also connecting you with an agent for the rest."],
    ["I have cancelled your subscription. An agent will follow up on the remaining question."],
    ["I've changed your plan. Let me transfer you to an agent for the billing part."],
]
AGENT_FIRST_ESCALATED = [
    "Hi, thanks for waiting. I've read through your conversation with our assistant.",
    "Hello, I'm taking over from the assistant and I can see what you need.",
    "Hi there, I've got the details from the chat, let me sort this out.",
]
AGENT_RESTATE = [
    "Hi, sorry about that. Could you describe the problem again?",
    "Hello, can you tell me what the issue is?",
    "Hi, I don't have the details here, could you explain what happened?",
]
AGENT_FIRST_HUMAN = [
    "Hi, thanks for contacting us. I'm looking into this now.",
    "Hello, thanks for reaching out. Let me check that for you.",
    "Hi, happy to help with that.",
]
AGENT_REPLY: dict[str, list[str]] = {
    "order_tracking": ["I've checked with the carrier; it will be delivered tomorrow."],
    "account_access": ["I've reset your account access; please check your inbox."],
    "billing_basics": ["I've updated the billing details on your account."],
    "returns_refunds": ["I've processed the return and the refund is on its way."],
    "shipping_faq": ["I've confirmed the shipping options for your address."],
    "plan_questions": ["I've sent you a comparison of the plans by email."],
    "warranty_claims": ["I've opened a warranty case and a replacement will be sent."],
    "cancellations": ["I've cancelled the subscription and sent a confirmation email."],
    "billing_disputes": ["I've reversed the duplicate charge; it can take 3-5 days to show."],
    "plan_changes": ["I've switched your plan; you'll see the change on the next invoice."],
    "account_changes": ["I've updated your account details."],
    "technical_support": ["I've escalated this to our technical team and applied a fix."],
    LONG_TAIL: ["I've passed this on to the right team, they'll be in touch."],
}
AGENT_GENERIC = [
    "Let me check that for you.",
    "Thanks, one moment please.",
    "Could you confirm the email address on the account?",
    "I can see the order now.",
]
AGENT_CLOSE = [
    "Is there anything else I can help with?",
    "Glad we got that sorted. Have a great day!",
    "You're all set. Thanks for your patience.",
]

COMMENT_SATISFIED = [
    "Quick and easy, thanks!",
    "The assistant solved it in a minute.",
    "Very helpful agent.",
    "Great service.",
]
COMMENT_UNSATISFIED = [
    "Had to explain everything twice.",
    "The bot didn't understand my question.",
    "Still waiting for my refund.",
    "Took far too long.",
    "Nobody actually fixed the problem.",
]

PACKET_SUMMARY = {
    "order_tracking": "Customer asks where their order is; bot looked up the order.",
    "account_access": "Customer cannot sign in; reset link sent but not received.",
    "billing_basics": "Customer has a question about payments or invoices.",
    "returns_refunds": "Customer wants to return an item or asks about a refund.",
    "shipping_faq": "Customer asks about shipping options or costs.",
    "plan_questions": "Customer compares plans and pricing.",
    "warranty_claims": "Customer asks whether a defect is covered by warranty.",
    "cancellations": "Customer wants to cancel the subscription.",
    "billing_disputes": "Customer disputes a charge on their card.",
    "plan_changes": "Customer wants to change plan.",
    "account_changes": "Customer wants to update account details.",
    "technical_support": "Customer reports a technical problem with a device or the app.",
    LONG_TAIL: "Customer request outside the usual topics.",
}

FIRST_NAMES = [
    "jane", "john", "maria", "ahmed", "li", "sofia", "lucas", "emma", "noah", "olivia",
    "mateo", "aisha", "kenji", "fatima", "liam", "chloe", "ivan", "priya", "omar", "zoe",
]  # fmt: skip
LAST_NAMES = [
    "doe", "smith", "garcia", "khan", "wang", "rossi", "martin", "nguyen", "brown", "silva",
    "tanaka", "muller", "kowalski", "okafor", "dubois", "patel",
]  # fmt: skip
PII_EMAIL_LEAD = [" You can reach me at ", " My email is ", " Please reply to "]
PII_PHONE_LEAD = [" My number is ", " Call me on ", " You can call me at "]


# --------------------------------------------------------------------------- pool


class TemplatePool:
    """A flat string array with named groups of templates."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._offsets: list[int] = []
        self._sizes: list[int] = []

    def add(self, texts: list[str]) -> int:
        if not texts:
            raise ValueError("empty template group")
        self._offsets.append(len(self._texts))
        self._sizes.append(len(texts))
        self._texts.extend(texts)
        return len(self._offsets) - 1

    def freeze(self) -> None:
        self.array = pa.array(self._texts, type=pa.string())
        self.offsets = np.array(self._offsets, dtype=np.int64)
        self.sizes = np.array(self._sizes, dtype=np.int64)

    def pick(self, group: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Template index for each row: a uniform pick inside its group."""
        size = self.sizes[group]
        return self.offsets[group] + np.minimum((u * size).astype(np.int64), size - 1)

    def take(self, index: np.ndarray) -> pa.Array:
        return self.array.take(pa.array(index, type=pa.int64()))


POOL = TemplatePool()
G_OPEN = np.array([POOL.add(CUSTOMER_OPENING[i]) for i in INTENTS], dtype=np.int32)
G_CUST_FOLLOWUP = POOL.add(CUSTOMER_FOLLOWUP)
G_CUST_THANKS = POOL.add(CUSTOMER_THANKS)
G_CUST_AGENT = POOL.add(CUSTOMER_TO_AGENT)
G_CUST_REPEAT = POOL.add(CUSTOMER_REPETITION)
G_BOT_FIRST = POOL.add(BOT_FIRST)
G_BOT_ANSWER = np.array([POOL.add(BOT_ANSWER[a]) for a in ARCHETYPES], dtype=np.int32)
G_BOT_HANDOFF = POOL.add(BOT_HANDOFF)
G_BOT_CLAIM = np.array([POOL.add(t) for t in BOT_CLAIM], dtype=np.int32)
G_BOT_CLAIM_HANDOFF = np.array([POOL.add(t) for t in BOT_CLAIM_HANDOFF], dtype=np.int32)
G_AGENT_FIRST_ESC = POOL.add(AGENT_FIRST_ESCALATED)
G_AGENT_RESTATE = POOL.add(AGENT_RESTATE)
G_AGENT_FIRST_HUMAN = POOL.add(AGENT_FIRST_HUMAN)
G_AGENT_REPLY = np.array(
    [POOL.add(AGENT_REPLY[a] + AGENT_GENERIC) for a in ARCHETYPES], dtype=np.int32
)
G_AGENT_CLOSE = POOL.add(AGENT_CLOSE)
G_COMMENT_SAT = POOL.add(COMMENT_SATISFIED)
G_COMMENT_UNSAT = POOL.add(COMMENT_UNSATISFIED)
POOL.freeze()

SUMMARY_ARRAY = pa.array([PACKET_SUMMARY[a] for a in ARCHETYPES], type=pa.string())
_FIRST = pa.array(FIRST_NAMES)
_LAST = pa.array(LAST_NAMES)
_EMAIL_LEAD = pa.array(PII_EMAIL_LEAD)
_PHONE_LEAD = pa.array(PII_PHONE_LEAD)


def _take(arr: pa.Array, u: np.ndarray) -> pa.Array:
    idx = np.minimum((u * len(arr)).astype(np.int64), len(arr) - 1)
    return arr.take(pa.array(idx))


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(
        pa.array(values, type=pa.int64()).cast(pa.string()), width=width, padding="0"
    )


def pii_strings(rng: np.random.Generator, n: int) -> pa.Array:
    """n personal-data snippets: an email (name@example.com) or a 555-01xx phone number."""
    if n == 0:
        return pa.array([], type=pa.string())
    u = rng.random((6, n))
    email = pc.binary_join_element_wise(
        _take(_EMAIL_LEAD, u[0]),
        _take(_FIRST, u[1]),
        ".",
        _take(_LAST, u[2]),
        "@example.com.",
        "",
    )
    phone_style = u[4] < 0.5
    phone_num = _digits((u[3] * 100).astype(np.int64), 2)
    phone = pc.binary_join_element_wise(
        _take(_PHONE_LEAD, u[1]),
        pc.if_else(pa.array(phone_style), "+1 555-01", "(555) 555-01"),
        phone_num,
        ".",
        "",
    )
    return pc.if_else(pa.array(u[5] < 0.55), email, phone)


def with_pii(base: pa.Array, mask: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """`base` with a personal-data snippet appended on the rows where mask is true."""
    k = int(mask.sum())
    if k == 0:
        return base
    rows = np.flatnonzero(mask)
    extended = pc.binary_join_element_wise(base.take(pa.array(rows)), pii_strings(rng, k), "")
    return pc.replace_with_mask(base, pa.array(mask), extended)

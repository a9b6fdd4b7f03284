"""Statements the About page (and the pages they concern) must show."""

from routines.content.library.safety import LONG_CRAMP_ADVICE
from routines.content.library.types import DisclaimerData

DISCLAIMERS: tuple[DisclaimerData, ...] = (
    DisclaimerData(
        key="education-not-diagnosis",
        title="This app teaches; it does not diagnose",
        text=(
            "Unknot gives general information and guided routines. It cannot diagnose a "
            "problem or replace a doctor. For most cramp remedies the evidence is limited, and "
            "each page says how strong it is."
        ),
        order=1,
        sources=("S11",),
    ),
    DisclaimerData(
        key="emergency-signs",
        title="Emergencies come first",
        text=(
            "If you have sudden breathlessness, chest pain, or a leg that turns cold, pale or "
            f"numb, call the emergency number. {LONG_CRAMP_ADVICE} The full list is on the "
            "\u2018When to get help\u2019 page."
        ),
        order=2,
        sources=("S26", "S25", "S3"),
    ),
    DisclaimerData(
        key="medicines",
        title="Talk to your prescriber about medicines",
        text=(
            "Do not start, stop or change a medicine without the person who prescribed it. "
            "Never take quinine for cramps on your own: it can have serious side effects."
        ),
        order=3,
        sources=("S1", "S10"),
    ),
    DisclaimerData(
        key="magnesium",
        title="Magnesium is unlikely to help",
        text=(
            "Magnesium tablets are unlikely to help typical night cramps. Ask a pharmacist "
            "before you take them, above all if you have kidney disease."
        ),
        order=4,
        sources=("S9",),
    ),
    DisclaimerData(
        key="painkillers",
        title="Painkillers work too slowly for a cramp",
        text=(
            "A painkiller takes too long to work to help while a cramp is happening. It may "
            "ease a sore muscle afterwards."
        ),
        order=5,
        sources=("S3",),
    ),
    DisclaimerData(
        key="stretch-gently",
        title="Stretch gently",
        text=(
            "Stretch only to a firm, comfortable pull, and never bounce. Stop if you feel a "
            "sharp pain or notice swelling."
        ),
        order=6,
        sources=("S22",),
    ),
    DisclaimerData(
        key="heat-and-cold",
        title="Use heat and cold safely",
        text=(
            "Always wrap a heat or cold pack in a cloth. Never use heat while asleep, on numb "
            "skin, or on a pregnant belly, and take it off within 20 minutes. Use cold for "
            "15 minutes at most. Skip both if you have diabetes, nerve damage or poor "
            "circulation."
        ),
        order=7,
        sources=("S29", "S6"),
    ),
    DisclaimerData(
        key="fluids",
        title="Fluid goals are only a guide",
        text=(
            "The drink goals in the app are general. If a doctor has told you to limit fluids, "
            "their advice comes first. Do not drink far beyond thirst: too much can be "
            "dangerous."
        ),
        order=8,
        sources=("S30", "S31", "S36"),
    ),
    DisclaimerData(
        key="pregnancy",
        title="If you are pregnant",
        text=(
            "Cramps are common in pregnancy. Tell your midwife about them, and do not put heat "
            "on your belly."
        ),
        order=9,
        sources=("S13",),
    ),
    DisclaimerData(
        key="herbal-remedies",
        title="Herbs and oils are unproven",
        text=(
            "Chamomile, lavender, mustard and massage oils have not been shown to help cramps. "
            "They can irritate the skin or cause an allergic reaction."
        ),
        order=10,
        sources=("S19", "S20", "S6"),
    ),
    DisclaimerData(
        key="adults-over-50",
        title="Most of the evidence is from older adults",
        text=(
            "Most cramp studies were in adults over 50, so results may differ for younger "
            "people. Children should use the app only with an adult."
        ),
        order=11,
        sources=("S8", "S11"),
    ),
)

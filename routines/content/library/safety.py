"""The safety check: three outcomes and the 14 signs asked about before a relief routine.

A cramp lasting more than 10 minutes is a "get seen today" sign (brief, section 3; NHS leg
cramps, S3): an urgent appointment the same day, never the emergency number. `LONG_CRAMP_ADVICE`
is the one wording of that advice: the sign, the relief routines' safety notes and last step,
the Learn page, the disclaimer and the run summary all use it.
"""

from routines.content.library.types import SafetySignData, TriageLevelData

EMERGENCY = "emergency"
TODAY = "today"
SOON = "soon"

LONG_CRAMP_KEY = "cramp-over-ten-minutes"
#: The rule itself, and how to get seen: together, `LONG_CRAMP_ADVICE`.
LONG_CRAMP_RULE = "If a cramp lasts more than 10 minutes and is not easing, stop and get seen today"
LONG_CRAMP_HOW = (
    "ask your GP surgery for an urgent appointment, or call NHS 111 (or your local urgent care "
    "line) if it is closed."
)
LONG_CRAMP_ADVICE = f"{LONG_CRAMP_RULE}: {LONG_CRAMP_HOW}"
#: Said where the old wording sent people to the emergency number.
NOT_AN_EMERGENCY = "On its own, a long cramp is not a reason to call an ambulance."
#: The "get seen today" level's "do not" (brief, section 3): in its action, and in the
#: long-cramp sign's detail, which the safety check's outcome shows in place of that action.
UNTIL_SEEN = "Until you are seen, do not stretch, massage or put heat on the leg."

TRIAGE_LEVELS: tuple[TriageLevelData, ...] = (
    TriageLevelData(
        slug=EMERGENCY,
        title="Call the emergency number now",
        action=(
            "Call 999 (or your local emergency number) now. Do not start a routine, and do not "
            "stretch, rub or warm the leg while you wait for help."
        ),
        stops_routine=True,
        order=1,
        call_numbers="999, 112, 911",
    ),
    TriageLevelData(
        slug=TODAY,
        title="Get seen today",
        action=(
            "Ask your GP surgery for an urgent appointment today, or call NHS 111 (or your local "
            f"urgent care line) if it is closed. {UNTIL_SEEN}"
        ),
        stops_routine=True,
        order=2,
        call_numbers="111",
    ),
    TriageLevelData(
        slug=SOON,
        title="See a doctor soon",
        action=(
            "It is fine to carry on with the routine. Book an appointment with your GP in the "
            "next few weeks and mention what you noticed."
        ),
        stops_routine=False,
        order=3,
    ),
)

SAFETY_SIGNS: tuple[SafetySignData, ...] = (
    # Emergency.
    SafetySignData(
        key="clot-in-lung",
        level=EMERGENCY,
        text="Sudden breathlessness, chest pain, coughing up blood, or fainting",
        detail=(
            "This can mean a blood clot has travelled to the lungs. Call the emergency number; "
            "do not wait to see if it passes."
        ),
        order=1,
        sources=("S26",),
    ),
    SafetySignData(
        key="leg-blood-supply",
        level=EMERGENCY,
        text=(
            "A leg that has suddenly turned cold, pale or blue, gone numb, cannot be moved, or "
            "hurts all the time even at rest"
        ),
        detail=(
            "The leg may have lost its blood supply. Call the emergency number. Do not warm, "
            "rub or stretch it."
        ),
        order=2,
        sources=("S25",),
    ),
    # Get seen today.
    SafetySignData(
        key=LONG_CRAMP_KEY,
        level=TODAY,
        text="A cramp that has lasted more than 10 minutes and is not easing",
        detail=(
            f"Ordinary cramps pass within a few minutes. {LONG_CRAMP_ADVICE} "
            f"{UNTIL_SEEN} {NOT_AN_EMERGENCY}"
        ),
        order=0,
        sources=("S3",),
    ),
    SafetySignData(
        key="blood-clot-in-leg",
        level=TODAY,
        text=("One leg is swollen, warm, red or darkened and painful, or has hard, sore veins"),
        detail=(
            "This can be a blood clot in a deep vein (DVT), which needs checking the same day."
        ),
        order=1,
        sources=("S26", "S1"),
    ),
    SafetySignData(
        key="recent-injury",
        level=TODAY,
        text=(
            "You have just hurt your leg: you felt a pop, it is bruised, or you cannot put "
            "weight on it"
        ),
        detail=(
            "This sounds like an injury, such as a torn muscle, rather than a cramp. Stretching "
            "or rubbing can make it worse. Rest it and get it looked at today."
        ),
        order=2,
        sources=(),
    ),
    SafetySignData(
        key="tetanus-or-lead",
        level=TODAY,
        text=(
            "You have a recent wound that could carry a tetanus risk, or you may have been "
            "exposed to lead or mercury"
        ),
        detail=(
            "Muscle spasms after a dirty wound, or after contact with lead or mercury, need a "
            "doctor straight away."
        ),
        order=3,
        sources=("S3",),
    ),
    SafetySignData(
        key="statin-muscle-pain",
        level=TODAY,
        text=(
            "You take a statin and have muscle pain or weakness you cannot explain, especially "
            "with dark urine"
        ),
        detail=(
            "This can, rarely, be a sign of muscle damage. Get seen today, and do not stop the "
            "statin yourself before you have spoken to a doctor."
        ),
        order=4,
        sources=("S27",),
    ),
    # See a doctor soon.
    SafetySignData(
        key="disturbs-sleep-or-life",
        level=SOON,
        text="Cramps are disturbing your sleep or getting in the way of daily life",
        detail="A GP can look for a cause and talk through what might help.",
        order=1,
        sources=("S3",),
    ),
    SafetySignData(
        key="numbness-or-weakness",
        level=SOON,
        text="Numbness, swelling, or muscles that are getting weaker or smaller",
        detail="These can point to a nerve or muscle problem that a doctor should check.",
        order=2,
        sources=("S3",),
    ),
    SafetySignData(
        key="pain-on-walking",
        level=SOON,
        text="Calf pain that comes on when you walk and goes away when you rest",
        detail=(
            "This is often narrowed leg arteries rather than cramp. It needs a doctor, even if "
            "it settles each time."
        ),
        order=3,
        sources=("S25",),
    ),
    SafetySignData(
        key="new-medicine",
        level=SOON,
        text="Cramps started after you began or changed a medicine",
        detail=(
            "Tell the person who prescribed it. Do not stop or change the medicine on your own."
        ),
        order=4,
        sources=("S1", "S27"),
    ),
    SafetySignData(
        key="cramps-elsewhere",
        level=SOON,
        text="Cramps in your arms, your body, or all over",
        detail="Cramps beyond the legs are less usual, and a doctor should look for a cause.",
        order=5,
        sources=("S34",),
    ),
    SafetySignData(
        key="pregnant",
        level=SOON,
        text="You are pregnant",
        detail=(
            "Cramps are common in pregnancy, but tell your midwife. Do not put heat on your belly."
        ),
        order=6,
        sources=("S13",),
    ),
    SafetySignData(
        key="diabetes-or-poor-circulation",
        level=SOON,
        text="You have diabetes, nerve damage in your legs (neuropathy), or poor circulation",
        detail=(
            "Skip any heat or cold steps: you may not feel a burn or cold injury in time. The "
            "stretches are fine."
        ),
        order=7,
        sources=("S29",),
    ),
)

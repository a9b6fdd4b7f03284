"""The ten built-in routines: three for a cramp happening now, three for a sore or tight muscle,
four to have fewer cramps. Durations are defaults; staff can change them in the admin.

Stretch holds follow the ACSM advice (S22, S23): gentle, never into pain, no bouncing, and
30 seconds works as well as 60.
"""

from routines.content.library.safety import LONG_CRAMP_ADVICE
from routines.content.library.types import RoutineData, StepData
from routines.content.models import Evidence, Purpose, Side, StepKind

ALL_AREAS = ("calf", "hamstring", "thigh", "foot")

# Shared wording: the same safety lines and the same last step on every relief routine.
CLOT_NOTE = (
    "Do not use this if one leg is swollen, warm, red or darkened and painful, or has hard, "
    "sore veins: it may be a blood clot. Get seen today instead."
)
INJURY_NOTE = (
    "Do not stretch or rub a leg you have just injured (a pop, bruising, or you cannot put "
    "weight on it): that is an injury, not a cramp."
)
GENTLE_NOTE = "Stretch gently. A firm pull is fine; sharp pain is not. Never bounce."
TEN_MINUTES_NOTE = LONG_CRAMP_ADVICE
NO_HEAT_NOTE = (
    "Skip heat and cold if you have diabetes, nerve damage (neuropathy), poor circulation or "
    "numb skin."
)

CHECK_EASED = StepData(
    StepKind.CHECK,
    "Check the cramp has eased",
    "If the cramp has gone, move your foot gently and rest. If it is still there, you can go "
    f"through the steps again. {LONG_CRAMP_ADVICE}",
    duration_seconds=10,
)


def _repeat(step: StepData, times: int) -> tuple[StepData, ...]:
    """The same step as separate rows, so the player counts each hold and each rest."""
    return (step,) * times


CALF_RELIEF = RoutineData(
    slug="calf-cramp-relief",
    title="Calf cramp relief",
    summary="Ease a calf cramp now by stretching the muscle out, then rubbing it.",
    purpose=Purpose.RELIEF,
    order=1,
    situations=("cramp-now",),
    body_areas=("calf",),
    safety_notes=(
        CLOT_NOTE,
        INJURY_NOTE,
        GENTLE_NOTE,
        "Only stand up for the standing step if you feel steady.",
        TEN_MINUTES_NOTE,
    ),
    evidence=Evidence.SUPPORTED,
    evidence_note=(
        "Stretching the cramped calf by pulling the toes back is what the Mayo Clinic, NICE and "
        "sports medicine reviews advise. It rests on expert agreement rather than large trials."
    ),
    sources=("S6", "S14", "S3", "S1"),
    steps=(
        StepData(
            StepKind.POSITION,
            "Sit with your leg out straight",
            "Sit on the bed or the floor with the cramped leg straight out in front of you. "
            "Keep the knee straight but not locked. Breathe out slowly.",
            duration_seconds=10,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Pull your toes towards you",
                "Take hold of the toes of the cramped leg, or loop a towel or belt around the ball "
                "of the foot. Gently draw the toes back towards your knee until the calf feels a "
                "firm stretch. Hold it steady; do not bounce.",
                duration_seconds=30,
                rest_after_seconds=10,
            ),
            3,
        ),
        StepData(
            StepKind.STRETCH,
            "Stand with your heel down",
            "If the cramp is still there and you feel steady, stand up holding a wall or chair. "
            "Put your weight on the cramped leg with the heel flat on the floor and the knee "
            "straight. Skip this if standing feels unsafe.",
            duration_seconds=30,
        ),
        StepData(
            StepKind.MASSAGE,
            "Rub the calf",
            "Sit down again. Rub the calf of the cramped leg with slow, firm strokes from the "
            "ankle up towards the knee. Ease off if it hurts.",
            duration_seconds=60,
        ),
        CHECK_EASED,
    ),
)

HAMSTRING_RELIEF = RoutineData(
    slug="hamstring-cramp-relief",
    title="Hamstring cramp relief",
    summary="Ease a cramp in the back of the thigh by leaning forward into a gentle stretch.",
    purpose=Purpose.RELIEF,
    order=2,
    situations=("cramp-now",),
    body_areas=("hamstring",),
    safety_notes=(
        CLOT_NOTE,
        INJURY_NOTE,
        GENTLE_NOTE,
        "Keep your back long as you lean; do not round it to reach further.",
        TEN_MINUTES_NOTE,
    ),
    evidence=Evidence.SUPPORTED,
    evidence_note=(
        "Orthopaedic surgeons and the Mayo Clinic advise stretching and rubbing a cramped muscle. "
        "This is expert agreement; trials of relief during a cramp are few."
    ),
    sources=("S21", "S6"),
    steps=(
        StepData(
            StepKind.POSITION,
            "Sit with both legs straight",
            "Sit on the floor or the bed with both legs straight out in front of you. Sit up "
            "tall so your back is long.",
            duration_seconds=10,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Lean forward from your hips",
                "Keep your back long and tip forward from the hips over the cramped leg, until the "
                "back of the thigh feels a steady stretch. Slide your hands towards your shin; "
                "they do not need to reach your toes. Hold still; do not bounce.",
                duration_seconds=30,
                rest_after_seconds=10,
            ),
            3,
        ),
        StepData(
            StepKind.MASSAGE,
            "Rub the back of your thigh",
            "Rub the back of the cramped thigh with slow, firm strokes, from just above the knee "
            "up towards your bottom. Ease off if it hurts.",
            duration_seconds=60,
        ),
        CHECK_EASED,
    ),
)

FOOT_RELIEF = RoutineData(
    slug="foot-cramp-relief",
    title="Foot and toe cramp relief",
    summary="Ease a cramp in the foot or toes by pulling the toes up, standing on the foot, "
    "then rubbing the arch.",
    purpose=Purpose.RELIEF,
    order=3,
    situations=("cramp-now",),
    body_areas=("foot",),
    safety_notes=(
        CLOT_NOTE,
        INJURY_NOTE,
        GENTLE_NOTE,
        "Pull the toes up towards the shin. Pointing them down can make the cramp worse.",
        "Only stand on the foot if you feel steady.",
        TEN_MINUTES_NOTE,
    ),
    evidence=Evidence.SUPPORTED,
    evidence_note=(
        "Stretching the cramped muscle and rubbing it is the advice of the Mayo Clinic and "
        "orthopaedic surgeons. It rests on expert agreement rather than trials."
    ),
    sources=("S6", "S21"),
    steps=(
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Pull your toes up",
                "Sit down and take hold of the toes of the cramped foot. Gently pull them up "
                "towards your shin, the opposite way to the curl. Do not point them down.",
                duration_seconds=30,
                rest_after_seconds=10,
            ),
            3,
        ),
        StepData(
            StepKind.STRETCH,
            "Stand on the foot",
            "If you feel steady, stand up holding on to something firm. Put your weight through "
            "the cramped foot, flat on the floor, and let the toes spread. Skip this if standing "
            "feels unsafe.",
            duration_seconds=30,
        ),
        StepData(
            StepKind.MASSAGE,
            "Circle your thumbs on the arch",
            "Sit down again and hold the cramped foot in both hands. Press small, slow circles "
            "into the arch with your thumbs, moving from the heel towards the toes. Ease off if "
            "it hurts.",
            duration_seconds=60,
        ),
        CHECK_EASED,
    ),
)

CALF_MASSAGE = RoutineData(
    slug="calf-massage",
    title="Calf massage",
    summary="A few minutes of strokes and kneading for a tight or sore calf, with a short stretch "
    "to finish.",
    purpose=Purpose.RELIEF,
    order=4,
    situations=("after-cramp", "cramp-now"),
    body_areas=("calf",),
    safety_notes=(
        "Never massage a leg with any sign of a blood clot: one leg swollen, warm, red or "
        "darkened and painful, or hard, sore veins. Get seen today instead.",
        INJURY_NOTE,
        "Do not rub over broken skin, a rash or varicose veins.",
        "Use comfortable pressure. Stop if the pain gets sharp or the leg swells.",
    ),
    evidence=Evidence.SUPPORTED,
    evidence_note=(
        "The NHS and NICE both list rubbing the muscle as a way to ease a cramp. The advice comes "
        "from expert agreement; massage has not been tested in cramp trials."
    ),
    sources=("S3", "S1"),
    steps=(
        StepData(
            StepKind.CHECK,
            "Check the leg first",
            "Look at both legs. If one is swollen, warm, red or darkened and painful, or a vein "
            "feels hard and sore, do not massage: it may be a blood clot, so get seen today.",
            duration_seconds=15,
        ),
        StepData(
            StepKind.POSITION,
            "Rest the leg on a bed or sofa",
            "Sit with the leg resting along a bed or sofa and the knee a little bent. Let the "
            "calf go soft.",
            duration_seconds=10,
        ),
        StepData(
            StepKind.MASSAGE,
            "Stroke from ankle to knee",
            "With both hands, make long, light strokes up the back of the lower leg, from the "
            "ankle to just below the knee. Always stroke upwards. Keep the pressure gentle.",
            duration_seconds=60,
        ),
        StepData(
            StepKind.MASSAGE,
            "Knead the calf",
            "Squeeze and release the calf with your fingers and thumbs, working in small circles "
            "from the ankle up to the knee. Keep the pressure firm but comfortable.",
            duration_seconds=90,
        ),
        StepData(
            StepKind.MASSAGE,
            "Work on tight spots",
            "Find any tight or tender spots and press small circles into them with your thumbs. "
            "Ease off at once if the pain gets sharp.",
            duration_seconds=30,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Stretch the calf",
                "Straighten the leg and pull your toes back towards you, with a towel round the "
                "ball of the foot if that helps. Hold a gentle stretch without bouncing.",
                duration_seconds=30,
                rest_after_seconds=10,
            ),
            2,
        ),
    ),
)

HEAT = RoutineData(
    slug="heat-for-a-tight-muscle",
    title="Heat for a tight muscle",
    summary="Warm a tight muscle with a wrapped heat pack for about 15 minutes, then stretch it "
    "gently.",
    purpose=Purpose.RELIEF,
    order=5,
    situations=("after-cramp",),
    body_areas=ALL_AREAS,
    safety_notes=(
        "Never use heat while you are asleep or likely to fall asleep.",
        "Never put heat on numb skin, or on the belly if you are pregnant.",
        NO_HEAT_NOTE,
        "Always wrap the pack in a towel; it should feel warm, never hot.",
        "Take the heat off after 20 minutes at most.",
        "No heat on a leg that may have a blood clot (swollen, warm, red and painful).",
    ),
    evidence=Evidence.MIXED,
    evidence_note=(
        "Heat is advised for a tight muscle by the Mayo Clinic and orthopaedic surgeons, but it "
        "has not been tested well in trials. It eases tightness; it is not a cure for cramps."
    ),
    sources=("S21", "S6", "S29", "S14"),
    steps=(
        StepData(
            StepKind.CHECK,
            "Check your skin and wrap the pack",
            "Touch the skin where the heat will go. If it feels numb, or you cannot tell warm "
            "from cold, do not use heat. Wrap the heat pack or hot-water bottle in a towel.",
            duration_seconds=30,
        ),
        StepData(
            StepKind.HEAT,
            "Rest the warmth on the muscle",
            "Lay the wrapped pack on the tight muscle and relax. It should feel pleasantly warm, "
            "never hot. Stay awake, and take it off if the skin stings.",
            duration_seconds=900,
        ),
        StepData(
            StepKind.CHECK,
            "Take the pack off and look",
            "Lift the pack away and look at the skin. A little pinkness is normal. Blisters or "
            "pale or dark patches are not: do not use heat there again, and get advice if they "
            "stay.",
            duration_seconds=15,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Stretch the warm muscle",
                "Gently stretch the muscle you warmed: for a calf, sit with the leg straight and "
                "pull your toes towards you. Stop at a firm pull, never at pain.",
                duration_seconds=30,
                rest_after_seconds=10,
            ),
            2,
        ),
    ),
)

COLD = RoutineData(
    slug="cold-for-a-sore-muscle",
    title="Cold for a sore muscle",
    summary="After a cramp, cool a sore muscle with a wrapped ice pack for 10 to 15 minutes.",
    purpose=Purpose.RELIEF,
    order=6,
    situations=("after-cramp",),
    body_areas=ALL_AREAS,
    safety_notes=(
        "Use cold for soreness after a cramp. Cooling does not stop a cramp that is happening.",
        NO_HEAT_NOTE,
        "Never put ice straight on bare skin; wrap it in a damp cloth.",
        "Keep it on for 15 minutes at most, and wait 2 to 3 hours before using it again.",
        "Stop if the skin turns white or blotchy, or goes numb.",
    ),
    evidence=Evidence.MIXED,
    evidence_note=(
        "Cold is advised for a sore muscle after a cramp, not during one: cooling has not been "
        "shown to stop an active cramp. Good trials are lacking."
    ),
    sources=("S29", "S14", "S21", "S6"),
    steps=(
        StepData(
            StepKind.CHECK,
            "Wrap the ice",
            "Wrap an ice pack or a bag of frozen peas in a damp tea towel. Check the skin where "
            "it will go can feel touch; if it is numb, do not use cold.",
            duration_seconds=30,
        ),
        StepData(
            StepKind.COLD,
            "Cool the sore muscle",
            "Rest the wrapped ice on the sore part of the muscle. Keep still and let it cool for "
            "10 to 15 minutes, no longer. Take it off early if the skin hurts or goes numb.",
            duration_seconds=600,
        ),
        StepData(
            StepKind.CHECK,
            "Check your skin",
            "Take the pack off and look at the skin. If it is white, blotchy or numb, let it warm "
            "up slowly and do not use cold there again today. Otherwise you can repeat this after "
            "2 to 3 hours.",
            duration_seconds=15,
        ),
    ),
)

WARM_UP = RoutineData(
    slug="warm-up",
    title="Warm-up before exercise",
    # No length in the summary: the page shows the one computed from the steps.
    summary="Easy movement that builds up, to get your legs ready for exercise.",
    purpose=Purpose.PREVENTION,
    order=7,
    situations=("before-exercise",),
    body_areas=("calf", "hamstring", "thigh"),
    safety_notes=(
        "Build up slowly. You should feel warm, not worn out, by the end.",
        "Hold a wall or chair for the balance steps if you need to.",
        "Stop if you feel chest pain, dizziness or sharp pain in a joint or muscle.",
        "Keep any stretch short and gentle before exercise.",
    ),
    evidence=Evidence.MIXED,
    evidence_note=(
        "A warm-up is sensible preparation, but no trial shows it prevents cramps. Going off too "
        "fast was linked to cramps in Ironman athletes."
    ),
    sources=("S28", "S24", "S16"),
    steps=(
        StepData(
            StepKind.MOVEMENT,
            "Walk briskly or march",
            "Walk, or march on the spot, starting at an easy pace. Build up over 5 minutes until "
            "you feel warm and are breathing a little harder. Swing your arms as you go.",
            duration_seconds=300,
        ),
        StepData(
            StepKind.STRENGTH,
            "Heel raises",
            "Stand tall, holding a wall or chair. Rise slowly onto the balls of your feet, then "
            "lower your heels back down with control.",
            reps=15,
            rest_after_seconds=15,
        ),
        StepData(
            StepKind.MOVEMENT,
            "Leg swings",
            "Hold a wall or chair with one hand. Swing the leg furthest from it gently forwards "
            "and back, letting the swing grow a little each time. Keep your body upright.",
            reps=10,
            side=Side.EACH,
            rest_after_seconds=15,
        ),
        StepData(
            StepKind.STRENGTH,
            "Squats or lunges",
            "Stand with your feet hip-width apart. Bend your knees and push your hips back as if "
            "sitting on a chair, then stand up again. Go only as low as feels comfortable; "
            "lunges work too.",
            reps=10,
            rest_after_seconds=15,
        ),
        StepData(
            StepKind.MOVEMENT,
            "Build up the pace",
            "Walk briskly again, or jog very gently, a little faster than before. You are ready "
            "when your legs feel warm and loose.",
            duration_seconds=120,
        ),
        StepData(
            StepKind.STRETCH,
            "Short calf stretch (optional)",
            "If you like, face a wall, step one foot back with the knee straight and the heel "
            "down, and lean in. Keep it brief, under 30 seconds, so the muscle stays springy.",
            duration_seconds=20,
            side=Side.EACH,
        ),
    ),
)

COOL_DOWN = RoutineData(
    slug="cool-down",
    title="Cool-down after exercise",
    summary="Easy movement and gentle stretches for the calves and thighs after exercise.",
    purpose=Purpose.PREVENTION,
    order=8,
    situations=("after-exercise",),
    body_areas=("calf", "hamstring", "thigh"),
    safety_notes=(
        GENTLE_NOTE,
        "Hold a wall or chair for balance.",
        "Drink to thirst. Drinking much more than you want can be dangerous.",
        "Stop if you feel chest pain, dizziness, or a sharp pain in a muscle.",
    ),
    evidence=Evidence.MIXED,
    evidence_note=(
        "Stretching after exercise is sensible and 30-second holds are enough, but whether a "
        "cool-down prevents cramps has not been shown."
    ),
    sources=("S28", "S22", "S23"),
    steps=(
        StepData(
            StepKind.MOVEMENT,
            "Slow down to an easy pace",
            "Keep moving at an easy pace, such as a slow walk, for about 5 minutes. Let your "
            "breathing and heart rate settle.",
            duration_seconds=300,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Wall calf stretch",
                "Face a wall with your hands on it. Step one leg back, keep it straight and press "
                "the heel down. Lean in until that calf feels a gentle stretch, and hold still.",
                duration_seconds=30,
                side=Side.EACH,
                rest_after_seconds=5,
            ),
            2,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Hamstring stretch",
                "Put one heel on the floor a step ahead of you, toes up and knee straight. Hinge "
                "forward from your hips with a long back until the back of that thigh feels a "
                "gentle stretch. Hold still.",
                duration_seconds=30,
                side=Side.EACH,
                rest_after_seconds=5,
            ),
            2,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Front of thigh stretch",
                "Hold a chair for balance. Bend one knee and take hold of that ankle behind you, "
                "bringing the heel towards your bottom with your knees together. Stand tall and "
                "hold.",
                duration_seconds=30,
                side=Side.EACH,
                rest_after_seconds=5,
            ),
            2,
        ),
        StepData(
            StepKind.HYDRATE,
            "Drink to thirst",
            "Have a drink if you are thirsty. There is no need to force down extra water.",
            duration_seconds=30,
        ),
    ),
)

BEDTIME = RoutineData(
    slug="bedtime-stretches",
    title="Bedtime stretches for night cramps",
    summary="Three minutes of calf and hamstring stretches right before sleep. Do them every "
    "night for 6 weeks to see if they help.",
    purpose=Purpose.PREVENTION,
    order=9,
    situations=("bedtime",),
    body_areas=("calf", "hamstring"),
    safety_notes=(
        GENTLE_NOTE,
        "If standing is hard, do the stretches sitting on the bed instead.",
        "Hold on to a wall or furniture if your balance is not steady.",
        "If cramps still wake you after 6 weeks of nightly stretching, see your GP.",
    ),
    evidence=Evidence.MIXED,
    evidence_note=(
        "In one trial of 80 people over 55, these stretches cut night cramps by about one a "
        "night; another trial found no benefit. Reviews rate the evidence as low certainty."
    ),
    sources=("S8", "S11", "S12"),
    steps=(
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Calf stretch against a wall",
                "Face a wall with your hands on it. Step one foot back, knee straight and heel "
                "down, and lean in until that calf feels a gentle stretch. If standing is hard, "
                "sit on the bed and pull your toes towards you with a towel instead.",
                duration_seconds=10,
                side=Side.EACH,
                rest_after_seconds=10,
            ),
            3,
        ),
        *_repeat(
            StepData(
                StepKind.STRETCH,
                "Hamstring stretch",
                "Stand with one heel a step ahead of you, toes up and knee straight. Hinge forward "
                "from the hips, hands on your thighs, until the back of that thigh feels a gentle "
                "stretch. If standing is hard, sit with that leg straight and lean forward over "
                "it.",
                duration_seconds=10,
                side=Side.EACH,
                rest_after_seconds=10,
            ),
            3,
        ),
        StepData(
            StepKind.REST,
            "Get into bed",
            "Go straight to bed while your muscles are loose. Do this every night, and give it "
            "about 6 weeks before you decide whether it helps.",
            duration_seconds=15,
        ),
    ),
)

DESK_BREAK = RoutineData(
    slug="desk-micro-break",
    title="Desk micro-break",
    summary="A few minutes each hour to get up, move your legs and refill your water.",
    purpose=Purpose.PREVENTION,
    order=10,
    situations=("desk-break",),
    body_areas=("calf", "hamstring"),
    safety_notes=(
        GENTLE_NOTE,
        "Hold the desk or a steady chair, not one on wheels.",
        "If one calf is swollen, warm, red and painful after long sitting, do not stretch it: "
        "get seen today.",
    ),
    evidence=Evidence.WEAK,
    evidence_note=(
        "Breaking up long sitting is good general advice for health, but no trial has tested it "
        "for cramps. The stretches are the same kind used in the bedtime trials."
    ),
    sources=("S33", "S26", "S35", "S6"),
    steps=(
        StepData(
            StepKind.MOVEMENT,
            "Stand up and walk",
            "Get up from your chair and walk about for a minute. Go to the kitchen, down a "
            "corridor, or just round the room.",
            duration_seconds=60,
        ),
        StepData(
            StepKind.STRENGTH,
            "Heel raises",
            "Stand behind your chair, holding its back or the desk. Rise slowly onto your toes, "
            "then lower your heels with control.",
            reps=15,
        ),
        StepData(
            StepKind.STRETCH,
            "Calf stretch at the desk",
            "Put your hands on the desk and step one foot back, knee straight and heel down. Lean "
            "towards the desk until that calf feels a gentle stretch, and hold still.",
            duration_seconds=30,
            side=Side.EACH,
        ),
        StepData(
            StepKind.STRETCH,
            "Hamstring hinge",
            "Put one heel a small step in front of you, toes up and knee straight. With your back "
            "long, hinge forward from the hips until the back of that thigh feels a gentle "
            "stretch. Hold still.",
            duration_seconds=30,
            side=Side.EACH,
        ),
        StepData(
            StepKind.HYDRATE,
            "Top up your water",
            "Refill your glass or bottle. Have a drink if you are thirsty; there is no need to "
            "force it.",
            duration_seconds=30,
        ),
        StepData(
            StepKind.POSITION,
            "Sit back down, legs uncrossed",
            "When you sit down again, keep both feet flat on the floor and your legs uncrossed. "
            "Shift your position now and then.",
            duration_seconds=10,
        ),
    ),
)

ROUTINES: tuple[RoutineData, ...] = (
    CALF_RELIEF,
    HAMSTRING_RELIEF,
    FOOT_RELIEF,
    CALF_MASSAGE,
    HEAT,
    COLD,
    WARM_UP,
    COOL_DOWN,
    BEDTIME,
    DESK_BREAK,
)

"""The Learn pages. Each claim's evidence level follows the content brief's verdict table.

A claim's evidence level says how well the sources back the idea in its heading, and the
explanation says why, in plain words. An idea the sources support may be stated flat; any other
is asked as a question with a short verdict ("Do magnesium tablets help night cramps?" "Usually
not"), so a reader skimming the headings never takes a myth away as a fact
(`Claim.heading_problem`).
"""

from routines.content.library.safety import LONG_CRAMP_ADVICE, NOT_AN_EMERGENCY
from routines.content.library.types import ArticleData, ClaimData
from routines.content.models import Evidence

KINDS = ArticleData(
    slug="kinds-of-cramp",
    title="Kinds of leg cramp",
    summary="Night cramps, cramps during exercise, and the cramps that keep coming back.",
    intro=(
        "A cramp is a muscle tightening hard on its own and refusing to let go for a while. "
        "Doctors sort leg cramps in two ways: by when they happen (at night, or during or after "
        "exercise), and by whether a cause can be found. Most cramps have no clear cause; these "
        "are called idiopathic. Cramps caused by another condition or a medicine are called "
        "secondary."
    ),
    order=1,
    claims=(
        ClaimData(
            "Night cramps and exercise cramps are different kinds",
            "Cramps that strike in bed and cramps that come on during or soon after sport are "
            "described separately by doctors and researchers. Night cramps are very common: up "
            "to 6 in 10 adults have had one.",
            Evidence.SUPPORTED,
            ("S5", "S14"),
        ),
        ClaimData(
            "Are \u2018chronic spasms\u2019 a kind of cramp of their own?",
            "Some popular articles describe chronic spasms as a separate type, but the usual "
            "split is different: cramps with no known cause, and cramps caused by something "
            "else, such as an illness or a medicine. Cramps that are frequent or long-lasting "
            "are worth a check with a doctor.",
            Evidence.WEAK,
            ("S3",),
            verdict="Not a standard kind",
        ),
        ClaimData(
            "Does a torn calf muscle cause cramps?",
            "A torn or strained calf is an injury, not a cramp, even though the pain can feel "
            "alike. A sudden pop, bruising, or not being able to put weight on the leg point "
            "to an injury. Do not stretch it; get it looked at.",
            Evidence.WEAK,
            ("S1",),
            verdict="No: it is an injury",
        ),
    ),
)

CAUSES = ArticleData(
    slug="causes-and-risk-factors",
    title="Causes and risk factors",
    summary="What makes cramps more likely, and how strong the evidence is for each cause.",
    intro=(
        "Most leg cramps have no clear cause. Some things make them more likely, and a few "
        "illnesses and medicines are linked to them. Here is what the sources say about the "
        "causes that popular articles list."
    ),
    order=2,
    claims=(
        ClaimData(
            "Overworked muscles, pregnancy, age and endurance sport raise the risk",
            "Straining a muscle, being pregnant and getting older all make cramps more likely. "
            "About a third of people over 60 get them, and between 30 and 67 in every 100 "
            "endurance athletes report cramps during exercise.",
            Evidence.SUPPORTED,
            ("S3", "S1", "S15"),
        ),
        ClaimData(
            "Diabetes, kidney disease and liver cirrhosis are linked to cramps",
            "Cramps are more common in people with diabetes, kidney disease (above all on "
            "dialysis) and cirrhosis of the liver. This is a link seen in patients; it does not "
            "mean a cramp is a sign of these illnesses.",
            Evidence.SUPPORTED,
            ("S6", "S5", "S2"),
        ),
        ClaimData(
            "Do dehydration and low minerals cause cramps?",
            "Being short of fluid, or low in potassium, magnesium, calcium or sodium, is often "
            "blamed. The evidence is mixed: night cramps seem to have more to do with tired "
            "muscles and nerves, and in Ironman athletes those who cramped had the same fluid "
            "and salt levels as those who did not.",
            Evidence.MIXED,
            ("S3", "S6", "S5", "S16"),
            verdict="Not clearly",
        ),
        ClaimData(
            "Does poor circulation cause cramps?",
            "Cramps are linked to disease of the blood vessels, but the link is not firm. Calf "
            "pain that comes on when you walk and goes when you rest is a different problem "
            "with narrowed arteries, and it needs a doctor.",
            Evidence.MIXED,
            ("S5", "S25"),
            verdict="Possibly",
        ),
        ClaimData(
            "Can nerve conditions cause cramps?",
            "Damaged nerves (neuropathy) and motor neurone disease are known causes of cramps. "
            "Some other conditions, such as Parkinson\u2019s and dystonia, cause muscle "
            "tightening that can look like cramp but is not.",
            Evidence.MIXED,
            ("S12", "S2", "S1"),
            verdict="Some can",
        ),
        ClaimData(
            "Does alcohol make cramps more likely?",
            "Reviews list alcohol among the things that make cramps more likely, and an NHS "
            "pathway suggests cutting back. The studies behind this are few and small, so it is "
            "a fair guess rather than a proven cause.",
            Evidence.WEAK,
            ("S35", "S2"),
            verdict="Possibly; the data are thin",
        ),
        ClaimData(
            "Lead poisoning can cause cramps",
            "This is rare. If you may have been exposed to lead or mercury, the NHS says to get "
            "medical help straight away.",
            Evidence.SUPPORTED,
            ("S3",),
        ),
        ClaimData(
            "Do nicotine or sarcoidosis cause cramps?",
            "No source links either of these to cramps. Smoking does raise the risk of narrowed "
            "leg arteries, which is a good reason to stop in any case.",
            Evidence.WEAK,
            ("S25",),
            verdict="No evidence",
        ),
    ),
)

QUICK_RELIEF = ArticleData(
    slug="easing-a-cramp",
    title="Easing a cramp now",
    summary="Stretch the muscle, rub it, and use heat or cold for what is left afterwards.",
    intro=(
        "Most cramps pass within a few minutes. Stretching the muscle that has tightened is the "
        "quickest thing you can do, and rubbing it helps too. The relief routines below take "
        "you through both, step by step."
    ),
    order=3,
    situation="cramp-now",
    claims=(
        ClaimData(
            "Stretching the cramped muscle eases a cramp",
            "Gently stretching the muscle that has cramped is what guideline writers and sports "
            "doctors advise. This rests on wide expert agreement rather than large trials.",
            Evidence.SUPPORTED,
            ("S6", "S1", "S14"),
        ),
        ClaimData(
            "For a calf cramp, pull your toes towards you",
            "Drawing the toes back towards the knee, with the leg straight, stretches the calf. "
            "A towel round the foot helps if you cannot reach. Standing with your weight on "
            "that leg and the heel down works the same way.",
            Evidence.SUPPORTED,
            ("S6", "S1", "S14"),
        ),
        ClaimData(
            "Rubbing the muscle helps",
            "The NHS and NICE both suggest massaging the cramped muscle. It is simple and safe, "
            "as long as there is no sign of a blood clot.",
            Evidence.SUPPORTED,
            ("S3", "S1"),
        ),
        ClaimData(
            "Do heat or cold help?",
            "Warmth can loosen a muscle that feels tight, and cold can calm one that is sore "
            "afterwards. Cooling does not stop a cramp that is happening, and neither has been "
            "tested well. Skip both if your skin is numb or your circulation is poor.",
            Evidence.MIXED,
            ("S21", "S6", "S14"),
            verdict="Perhaps afterwards; not mid-cramp",
        ),
    ),
)

EMERGENCIES = ArticleData(
    slug="emergencies",
    title="When to get help fast",
    summary="The rare signs that need the emergency number, and those that need a doctor today.",
    intro=(
        "Almost all cramps are harmless, but a few signs point to something else. Some need the "
        "emergency number now; others need a doctor the same day. If any of these apply, stop "
        "any routine. The safety check in the app asks about them before a relief routine "
        "starts."
    ),
    order=4,
    claims=(
        ClaimData(
            "A swollen, warm, red and painful leg can be a blood clot",
            "Pain with swelling, warmth and redness or darkening in one leg, or hard, sore "
            "veins, can mean a deep vein clot. Do not stretch, rub or heat the leg; get seen "
            "the same day.",
            Evidence.SUPPORTED,
            ("S26", "S1"),
        ),
        ClaimData(
            "Sudden breathlessness or chest pain can mean a clot in the lung",
            "A clot from the leg can travel to the lungs. Sudden breathlessness, chest pain, "
            "coughing up blood or fainting need the emergency number at once.",
            Evidence.SUPPORTED,
            ("S26",),
        ),
        ClaimData(
            "A cold, pale or numb leg needs help at once",
            "A leg that suddenly turns cold, pale or blue, goes numb, cannot be moved, or hurts "
            "all the time even at rest may have lost its blood supply. Call the emergency "
            "number.",
            Evidence.SUPPORTED,
            ("S25",),
        ),
        ClaimData(
            "A cramp that lasts more than 10 minutes: get seen today",
            f"Ordinary cramps pass within a few minutes. {LONG_CRAMP_ADVICE} {NOT_AN_EMERGENCY}",
            Evidence.SUPPORTED,
            ("S3",),
        ),
    ),
)

SEE_A_DOCTOR = ArticleData(
    slug="when-to-see-a-doctor",
    title="When to see a doctor",
    summary="Signs that cramps need a doctor\u2019s view, and the tests a doctor may use.",
    intro=(
        "Occasional cramps rarely need a doctor. It is worth booking an appointment when they "
        "come often, are severe, or come with other changes in the leg. A doctor will usually "
        "start by asking questions and examining you."
    ),
    order=5,
    claims=(
        ClaimData(
            "See a doctor if cramps are frequent or severe",
            "Cramps that keep waking you, get in the way of daily life, or are very painful "
            "deserve a check. Your GP can look for a cause and talk through options.",
            Evidence.SUPPORTED,
            ("S3",),
        ),
        ClaimData(
            "Swelling, redness or weakness with cramps needs checking",
            "Cramps that come with swelling, redness, numbness, or muscles that are getting "
            "weaker or smaller should be seen by a doctor. Swelling, warmth and redness in one "
            "leg need a same-day visit.",
            Evidence.SUPPORTED,
            ("S3", "S26"),
        ),
        ClaimData(
            "Do most people with cramps need tests?",
            "For typical cramps, a doctor can usually tell what is going on by talking and "
            "examining you. Tests are not routine.",
            Evidence.MIXED,
            ("S1", "S34"),
            verdict="Usually not",
        ),
        ClaimData(
            "Can blood tests, EMG or scans find a cause?",
            "When a doctor suspects a cause, they may order blood tests (for example for sugar, "
            "kidney, liver, thyroid or salts), a test of the nerves and muscles (EMG), or a "
            "scan. These are chosen to check a suspicion, not done for every cramp.",
            Evidence.MIXED,
            ("S1", "S2", "S34"),
            verdict="Sometimes, when one is suspected",
        ),
    ),
)

PREVENTION = ArticleData(
    slug="having-fewer-cramps",
    title="Having fewer cramps",
    summary="Stretching, warming up, drinking sensibly and pacing yourself: what is known.",
    intro=(
        "Nothing is proven to stop cramps for everyone. Nightly stretching has the most trial "
        "evidence, and even that is mixed. The other ideas here are sensible and low-risk, but "
        "untested for cramps."
    ),
    order=6,
    claims=(
        ClaimData(
            "Does stretching before bed prevent night cramps?",
            "A trial in 80 people over 55 found that calf and hamstring stretches just before "
            "sleep cut night cramps by about one a night after 6 weeks. An earlier trial found "
            "no benefit, and reviews call the evidence low certainty.",
            Evidence.MIXED,
            ("S8", "S11", "S12"),
            verdict="It may help; trials disagree",
        ),
        ClaimData(
            "Do warming up and cooling down prevent cramps?",
            "Both are sensible ways to start and finish exercise, but no trial has shown that "
            "they prevent cramps. The stretching evidence comes mostly from bedtime studies.",
            Evidence.MIXED,
            ("S11", "S12", "S28"),
            verdict="Not shown",
        ),
        ClaimData(
            "Do regular exercise, enough fluid and not overdoing it prevent cramps?",
            "These habits are reasonable, but the evidence is mixed. Sports researchers "
            "suggest working out what triggers your own cramps rather than simply drinking "
            "more.",
            Evidence.MIXED,
            ("S14",),
            verdict="Sensible, but unproven",
        ),
        ClaimData(
            "Do a balanced diet and short breaks during exercise prevent cramps?",
            "No trials have tested either for cramps. In Ironman athletes, those who set off "
            "faster were more likely to cramp, so pacing yourself may matter more than breaks.",
            Evidence.WEAK,
            ("S16",),
            verdict="Untested",
        ),
    ),
)

LONGER_TERM = ArticleData(
    slug="treatment-for-frequent-cramps",
    title="Treatment for frequent cramps",
    summary="Physiotherapy, medicines and daily habits, and why quinine is not for routine use.",
    intro=(
        "If cramps keep coming back, a doctor may look for a cause first, and check your "
        "medicines. After that, the options are few, and most have only limited evidence. "
        "Never start, stop or change a medicine without your prescriber."
    ),
    order=7,
    claims=(
        ClaimData(
            "Does physiotherapy help with frequent cramps?",
            "An NHS pathway suggests it, and a physiotherapist can teach a stretching "
            "programme. Only stretching itself has been tested in trials, with mixed results.",
            Evidence.MIXED,
            ("S2", "S11"),
            verdict="Perhaps",
        ),
        ClaimData(
            "Do muscle relaxants or nerve-pain medicines treat cramps?",
            "There is little or no good evidence for these. Quinine does reduce cramps a little, "
            "but it can cause serious side effects, so it is not for routine use. Never take "
            "quinine on your own.",
            Evidence.WEAK,
            ("S5", "S12", "S10", "S7"),
            verdict="Little or no evidence",
        ),
        ClaimData(
            "Do staying active, drinking enough and not overdoing it help?",
            "These are sensible habits with mixed evidence for cramps. A plan built around your "
            "own triggers is more likely to help than a general rule to drink more.",
            Evidence.MIXED,
            ("S14",),
            verdict="Sensible, but unproven",
        ),
    ),
)

MEDICINES = ArticleData(
    slug="medicines-that-can-cause-cramps",
    title="Medicines that can cause cramps",
    summary="Some medicines make cramps more likely. Do not stop one without your prescriber.",
    intro=(
        "If cramps started after you began or changed a medicine, tell the person who "
        "prescribed it. Do not stop taking it on your own: the medicine may matter more than "
        "the cramps, and there may be another option."
    ),
    order=8,
    claims=(
        ClaimData(
            "Water tablets (diuretics) can cause cramps",
            "This side effect is well recorded. If you take a diuretic and have new cramps, "
            "mention it to your prescriber.",
            Evidence.SUPPORTED,
            ("S1", "S3"),
        ),
        ClaimData(
            "Do statins cause cramps?",
            "Muscle aches are a known worry with statins, but in blinded trials only a small "
            "number more people on a statin had muscle symptoms than on a dummy pill. "
            "Unexplained muscle pain or weakness, above all with dark urine, needs a doctor the "
            "same day.",
            Evidence.MIXED,
            ("S27",),
            verdict="Less often than people think",
        ),
        ClaimData(
            "Do penicillamine and nicotinic acid cause cramps?",
            "Our sources do not list these. Medicines with a better-recorded link include "
            "salbutamol, nifedipine, raloxifene, naproxen, iron given into a vein, and "
            "teriparatide.",
            Evidence.WEAK,
            ("S1", "S5"),
            verdict="Not in our sources",
        ),
    ),
)

HOME_REMEDIES = ArticleData(
    slug="home-remedies",
    title="Home remedies: what the evidence says",
    summary="Bananas, chamomile, lavender, mustard and pickle juice, checked against the sources.",
    intro=(
        "Many home remedies are passed around for cramps. Most have never been tested for "
        "cramps at all. Warmth and massage are reasonable in themselves; the special "
        "ingredients add little that is known. Oils and herbs can irritate the skin or cause "
        "allergies."
    ),
    order=9,
    claims=(
        ClaimData(
            "Do foods rich in magnesium or potassium prevent cramps?",
            "Bananas, avocados and leafy greens are often suggested. Magnesium showed no benefit "
            "for typical cramps in older adults, and eating bananas barely raises the potassium "
            "in your blood. A varied diet is good for you anyway.",
            Evidence.WEAK,
            ("S9", "S13", "S18"),
            verdict="Not shown",
        ),
        ClaimData(
            "Does chamomile tea ease cramps?",
            "The idea comes from one very small study that measured a substance (glycine) in "
            "urine, not cramps. Chamomile can cause allergy in people sensitive to ragweed.",
            Evidence.WEAK,
            ("S19",),
            verdict="Not shown",
        ),
        ClaimData(
            "Does massage with lavender oil ease cramps?",
            "The trial usually quoted was in restless legs, not cramps. The massage may help; "
            "there is nothing to show the lavender adds anything.",
            Evidence.WEAK,
            ("S20",),
            verdict="The massage may; the lavender is unproven",
        ),
        ClaimData(
            "Do mustard-seed soaks and warm oil massage help?",
            "There is no evidence for mustard or for any particular oil. Warmth and rubbing the "
            "muscle are reasonable on their own, so plain warm water and a gentle massage do "
            "the same job.",
            Evidence.WEAK,
            ("S6",),
            verdict="Only the warmth and rubbing",
        ),
        ClaimData(
            "Should you avoid vinegar and tomatoes?",
            "No source supports this. In fact, a small lab study found that pickle juice, which "
            "contains vinegar, shortened cramps that had been set off on purpose. That is far "
            "from proof that it helps everyday cramps.",
            Evidence.WEAK,
            ("S17",),
            verdict="No evidence for it",
        ),
    ),
)

MYTHS = ArticleData(
    slug="cramp-myths",
    title="Cramp myths",
    summary="Common beliefs about cramps, and what the sources actually say.",
    intro=(
        "Some ideas about cramps are repeated so often that they sound like facts. Here are a "
        "few, checked against the sources."
    ),
    order=10,
    claims=(
        ClaimData(
            "Cramps are not just an older person\u2019s problem",
            "Cramps are more common with age, but about 7 in 100 children get night cramps. "
            "Athletes and pregnant women get them often too.",
            Evidence.SUPPORTED,
            ("S5", "S15"),
        ),
        ClaimData(
            "Do you need electrolytes, not just water?",
            "It is true that drinking more water is not a cure. But the link with salts and "
            "minerals is weak as well. Drinking well beyond thirst, especially during long "
            "exercise, can dangerously lower the salt in your blood.",
            Evidence.MIXED,
            ("S14", "S31"),
            verdict="Not clearly",
        ),
        ClaimData(
            "Do magnesium tablets help night cramps?",
            "A careful review found magnesium unlikely to help typical cramps in older adults. "
            "Ask a pharmacist before taking it, above all if you have kidney disease.",
            Evidence.WEAK,
            ("S9",),
            verdict="Usually not",
        ),
    ),
)

LEARN_ARTICLES: tuple[ArticleData, ...] = (
    KINDS,
    CAUSES,
    QUICK_RELIEF,
    EMERGENCIES,
    SEE_A_DOCTOR,
    PREVENTION,
    LONGER_TERM,
    MEDICINES,
    HOME_REMEDIES,
    MYTHS,
)

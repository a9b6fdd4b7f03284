"""The Learn pages. Each claim's evidence level follows the content brief's verdict table.

A claim's statement is the idea people meet in popular articles; its evidence level says how
well the sources back that idea, and the explanation says why, in plain words.
"""

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
            "\u2018Chronic spasms\u2019 are a kind of cramp of their own",
            "Some popular articles describe chronic spasms as a separate type, but the usual "
            "split is different: cramps with no known cause, and cramps caused by something "
            "else, such as an illness or a medicine. Cramps that are frequent or long-lasting "
            "are worth a check with a doctor.",
            Evidence.WEAK,
            ("S3",),
        ),
        ClaimData(
            "A torn calf muscle causes cramps",
            "A torn or strained calf is an injury, not a cramp, even though the pain can feel "
            "alike. A sudden pop, bruising, or not being able to put weight on the leg point "
            "to an injury. Do not stretch it; get it looked at.",
            Evidence.WEAK,
            ("S1",),
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
            "Dehydration and low minerals cause cramps",
            "Being short of fluid, or low in potassium, magnesium, calcium or sodium, is often "
            "blamed. The evidence is mixed: night cramps seem to have more to do with tired "
            "muscles and nerves, and in Ironman athletes those who cramped had the same fluid "
            "and salt levels as those who did not.",
            Evidence.MIXED,
            ("S3", "S6", "S5", "S16"),
        ),
        ClaimData(
            "Poor circulation causes cramps",
            "Cramps are linked to disease of the blood vessels, but the link is not firm. Calf "
            "pain that comes on when you walk and goes when you rest is a different problem "
            "with narrowed arteries, and it needs a doctor.",
            Evidence.MIXED,
            ("S5", "S25"),
        ),
        ClaimData(
            "Nerve conditions can cause cramps",
            "Damaged nerves (neuropathy) and motor neurone disease are known causes of cramps. "
            "Some other conditions, such as Parkinson\u2019s and dystonia, cause muscle "
            "tightening that can look like cramp but is not.",
            Evidence.MIXED,
            ("S12", "S2", "S1"),
        ),
        ClaimData(
            "Alcohol makes cramps more likely",
            "Drinking alcohol is listed as a risk factor worth cutting back on. The data behind "
            "this are thin.",
            Evidence.SUPPORTED,
            ("S35", "S2"),
        ),
        ClaimData(
            "Lead poisoning can cause cramps",
            "This is rare. If you may have been exposed to lead or mercury, the NHS says to get "
            "medical help straight away.",
            Evidence.SUPPORTED,
            ("S3",),
        ),
        ClaimData(
            "Nicotine and sarcoidosis cause cramps",
            "No source links either of these to cramps. Smoking does raise the risk of narrowed "
            "leg arteries, which is a good reason to stop in any case.",
            Evidence.WEAK,
            ("S25",),
        ),
    ),
)

QUICK_RELIEF = ArticleData(
    slug="easing-a-cramp",
    title="Easing a cramp now",
    summary="Stretch the muscle, rub it, and use heat or cold for what is left afterwards.",
    intro=(
        "Most cramps pass within a few minutes. Stretching the muscle that has tightened is the "
        "quickest thing you can do, and rubbing it helps too. The relief routines in the app "
        "take you through both, step by step."
    ),
    order=3,
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
            "Heat or cold helps",
            "Warmth can loosen a muscle that feels tight, and cold can calm one that is sore "
            "afterwards. Cooling does not stop a cramp that is happening, and neither has been "
            "tested well. Skip both if your skin is numb or your circulation is poor.",
            Evidence.MIXED,
            ("S21", "S6", "S14"),
        ),
    ),
)

EMERGENCIES = ArticleData(
    slug="emergencies",
    title="When it is an emergency",
    summary="The rare signs that mean this is not an ordinary cramp, and what to do.",
    intro=(
        "Almost all cramps are harmless, but a few signs point to something that needs help "
        "straight away. If any of these apply, stop any routine and get help. The safety check "
        "in the app asks about them before a relief routine starts."
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
            "A cramp that lasts more than 10 minutes needs help",
            "Ordinary cramps ease within minutes. One that goes on for more than 10 minutes and "
            "is not easing should be checked urgently.",
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
            "Most people with cramps do not need tests",
            "For typical cramps, a doctor can usually tell what is going on by talking and "
            "examining you. Tests are not routine.",
            Evidence.MIXED,
            ("S1", "S34"),
        ),
        ClaimData(
            "Blood tests, EMG or scans can find a cause",
            "When a doctor suspects a cause, they may order blood tests (for example for sugar, "
            "kidney, liver, thyroid or salts), a test of the nerves and muscles (EMG), or a "
            "scan. These are chosen to check a suspicion, not done for every cramp.",
            Evidence.MIXED,
            ("S1", "S2", "S34"),
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
            "Stretching before bed prevents night cramps",
            "A trial in 80 people over 55 found that calf and hamstring stretches just before "
            "sleep cut night cramps by about one a night after 6 weeks. An earlier trial found "
            "no benefit, and reviews call the evidence low certainty.",
            Evidence.MIXED,
            ("S8", "S11", "S12"),
        ),
        ClaimData(
            "Warming up and cooling down prevents cramps",
            "Both are sensible ways to start and finish exercise, but no trial has shown that "
            "they prevent cramps. The stretching evidence comes mostly from bedtime studies.",
            Evidence.MIXED,
            ("S11", "S12", "S28"),
        ),
        ClaimData(
            "Regular exercise, enough fluid and not overdoing it prevent cramps",
            "These habits are reasonable, but the evidence is mixed. Sports researchers "
            "suggest working out what triggers your own cramps rather than simply drinking "
            "more.",
            Evidence.MIXED,
            ("S14",),
        ),
        ClaimData(
            "A balanced diet and short breaks during exercise prevent cramps",
            "No trials have tested either for cramps. In Ironman athletes, those who set off "
            "faster were more likely to cramp, so pacing yourself may matter more than breaks.",
            Evidence.WEAK,
            ("S16",),
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
            "Physiotherapy helps with frequent cramps",
            "An NHS pathway suggests it, and a physiotherapist can teach a stretching "
            "programme. Only stretching itself has been tested in trials, with mixed results.",
            Evidence.MIXED,
            ("S2", "S11"),
        ),
        ClaimData(
            "Muscle relaxants and nerve-pain medicines treat cramps",
            "There is little or no good evidence for these. Quinine does reduce cramps a little, "
            "but it can cause serious side effects, so it is not for routine use. Never take "
            "quinine on your own.",
            Evidence.WEAK,
            ("S5", "S12", "S10", "S7"),
        ),
        ClaimData(
            "Staying active, drinking enough and not overdoing it help",
            "These are sensible habits with mixed evidence for cramps. A plan built around your "
            "own triggers is more likely to help than a general rule to drink more.",
            Evidence.MIXED,
            ("S14",),
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
            "Statins cause cramps",
            "Muscle aches are a known worry with statins, but in blinded trials only a small "
            "number more people on a statin had muscle symptoms than on a dummy pill. "
            "Unexplained muscle pain or weakness, above all with dark urine, needs a doctor the "
            "same day.",
            Evidence.MIXED,
            ("S27",),
        ),
        ClaimData(
            "Penicillamine and nicotinic acid cause cramps",
            "Our sources do not list these. Medicines with a better-recorded link include "
            "salbutamol, nifedipine, raloxifene, naproxen, iron given into a vein, and "
            "teriparatide.",
            Evidence.WEAK,
            ("S1", "S5"),
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
            "Foods rich in magnesium or potassium prevent cramps",
            "Bananas, avocados and leafy greens are often suggested. Magnesium showed no benefit "
            "for typical cramps in older adults, and eating bananas barely raises the potassium "
            "in your blood. A varied diet is good for you anyway.",
            Evidence.WEAK,
            ("S9", "S13", "S18"),
        ),
        ClaimData(
            "Chamomile tea eases cramps",
            "The idea comes from one very small study that measured a substance (glycine) in "
            "urine, not cramps. Chamomile can cause allergy in people sensitive to ragweed.",
            Evidence.WEAK,
            ("S19",),
        ),
        ClaimData(
            "Massage with lavender oil eases cramps",
            "The trial usually quoted was in restless legs, not cramps. The massage may help; "
            "there is nothing to show the lavender adds anything.",
            Evidence.WEAK,
            ("S20",),
        ),
        ClaimData(
            "Mustard-seed soaks and warm oil massage help",
            "There is no evidence for mustard or for any particular oil. Warmth and rubbing the "
            "muscle are reasonable on their own, so plain warm water and a gentle massage do "
            "the same job.",
            Evidence.WEAK,
            ("S6",),
        ),
        ClaimData(
            "You should avoid vinegar and tomatoes",
            "No source supports this. In fact, a small lab study found that pickle juice, which "
            "contains vinegar, shortened cramps that had been set off on purpose. That is far "
            "from proof that it helps everyday cramps.",
            Evidence.WEAK,
            ("S17",),
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
            "Water alone is not enough: you need electrolytes",
            "It is true that drinking more water is not a cure. But the link with salts and "
            "minerals is weak as well. Drinking well beyond thirst, especially during long "
            "exercise, can dangerously lower the salt in your blood.",
            Evidence.MIXED,
            ("S14", "S31"),
        ),
        ClaimData(
            "Magnesium tablets cure night cramps",
            "A careful review found magnesium unlikely to help typical cramps in older adults. "
            "Ask a pharmacist before taking it, above all if you have kidney disease.",
            Evidence.WEAK,
            ("S9",),
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

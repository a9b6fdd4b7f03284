"""The references every claim, routine and safety sign points to (codes S1 to S36)."""

from routines.content.library.types import SourceData

SOURCES: tuple[SourceData, ...] = (
    SourceData(
        "S1",
        "NICE Clinical Knowledge Summaries: Leg cramps",
        "https://cks.nice.org.uk/topics/leg-cramps/",
    ),
    SourceData(
        "S2",
        "NHS Bristol, North Somerset and South Gloucestershire referral pathway: muscle cramps",
        "https://remedy.bnssg.icb.nhs.uk/",
    ),
    SourceData("S3", "NHS: Leg cramps", "https://www.nhs.uk/conditions/leg-cramps/"),
    SourceData(
        "S4",
        "AAFP patient handout: nocturnal leg cramps",
        "https://www.aafp.org/afp/2012/0815/p350-s1.html",
    ),
    SourceData(
        "S5",
        "Allen RE, Kirby KA. Nocturnal leg cramps. Am Fam Physician 2012 (PMID 22963024)",
        "https://www.aafp.org/pubs/afp/issues/2012/0815/p350.html",
    ),
    SourceData(
        "S6",
        "Mayo Clinic: Muscle cramp",
        "https://www.mayoclinic.org/diseases-conditions/muscle-cramp/diagnosis-treatment/drc-20350825",
    ),
    SourceData(
        "S7",
        "American Family Physician 2017 evidence answer on leg cramp treatment",
        "https://www.aafp.org/afp/2017/1001/od3.html",
    ),
    SourceData(
        "S8",
        "Hallegraeff JM et al. Stretching before sleep reduces nocturnal leg cramps in older "
        "adults, 2012",
        "https://pubmed.ncbi.nlm.nih.gov/22341378/",
    ),
    SourceData(
        "S9",
        "Cochrane review: Magnesium for skeletal muscle cramps, 2020",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC7025716/",
    ),
    SourceData(
        "S10",
        "Cochrane review: Quinine for muscle cramps, 2015",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC11055607/",
    ),
    SourceData(
        "S11",
        "Cochrane review: Non-drug therapies for lower limb muscle cramps, 2021",
        "https://www.cochranelibrary.com/cdsr/doi/10.1002/14651858.CD008496.pub3",
    ),
    SourceData(
        "S12",
        "American Academy of Neurology guideline on muscle cramps, 2010 "
        "(Katzberg et al., Neurology 74:691)",
    ),
    SourceData(
        "S13",
        "Cochrane review: Interventions for leg cramps in pregnancy, 2020",
        "https://www.cochranelibrary.com/cdsr/doi/10.1002/14651858.CD010655.pub3",
    ),
    SourceData(
        "S14",
        "Miller KC et al. Exercise-associated muscle cramps: a current perspective, 2022",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8775277",
    ),
    SourceData(
        "S15",
        "Prevalence of exercise-associated muscle cramps",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5687236",
    ),
    SourceData("S16", "Ironman triathlon cramp studies", "https://bjsm.bmj.com/content/45/4/316.2"),
    SourceData(
        "S17",
        "Pickle juice and electrically induced cramps (Miller 2010)",
        "https://ndsu.edu/news/view/detail/4453",
    ),
    SourceData("S18", "Banana ingestion and plasma potassium (Miller 2012, Muscle & Nerve)"),
    SourceData(
        "S19",
        "Chamomile tea and urinary glycine (BBC News report, 2005)",
        "http://news.bbc.co.uk/2/hi/health/4183549.stm",
    ),
    SourceData(
        "S20",
        "Lavender oil massage trial in restless legs syndrome",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC4733501",
    ),
    SourceData(
        "S21", "American Academy of Orthopaedic Surgeons: muscle cramp advice (via HealthDay)"
    ),
    SourceData(
        "S22",
        "ACSM stretching and flexibility guidelines update, 2021",
        "https://www.acsm.org/all-blog-posts/certification-blog/acsm-certified-blog/2021/03/18/"
        "stretching-and-flexibility-guidelines-update",
    ),
    SourceData(
        "S23",
        "Bandy WD et al. 1997: static stretch duration and hamstring flexibility "
        "(Phys Ther 77:1090)",
    ),
    SourceData(
        "S24",
        "Behm DG et al. 2016: acute effects of muscle stretching",
        "https://cdnsciencepub.com/doi/10.1139/apnm-2015-0235",
    ),
    SourceData(
        "S25",
        "NHS: Peripheral arterial disease",
        "https://www.nhs.uk/conditions/peripheral-arterial-disease-pad/",
    ),
    SourceData(
        "S26",
        "NHS: Deep vein thrombosis",
        "https://www.nhs.uk/conditions/deep-vein-thrombosis-dvt/",
    ),
    SourceData(
        "S27",
        "NHS: Side effects of statins",
        "https://www.nhs.uk/conditions/statins/side-effects/",
    ),
    SourceData(
        "S28",
        "NHS Inform: Warm-up and cool-down",
        "https://www.nhsinform.scot/healthy-living/keeping-active/before-and-after-exercise/"
        "warm-up-and-cool-down/",
    ),
    SourceData(
        "S29",
        "University of Rochester Medical Center: heat and cold safety",
        "https://www.urmc.rochester.edu/encyclopedia/content.aspx?contentid=P00918&contenttypeid=85",
    ),
    SourceData(
        "S30",
        "NHS: Water, drinks and your health; also EFSA dietary reference values for water, 2010 "
        "(https://efsa.onlinelibrary.wiley.com/doi/10.2903/j.efsa.2010.1459)",
        "https://www.nhs.uk/live-well/eat-well/food-guidelines-and-food-labels/water-drinks-nutrition/",
    ),
    SourceData(
        "S31",
        "Wilderness Medical Society guidance on exercise-associated hyponatraemia",
        "https://www.wemjournal.org/article/S1080-6032(09)70110-3/fulltext",
    ),
    SourceData(
        "S32",
        "Sleep Foundation: nocturia and evening fluids",
        "https://www.sleepfoundation.org/sleep-disorders-problems/nocturia",
    ),
    SourceData("S33", "The sedentary office: an expert statement, 2015 (Br J Sports Med 49:1357)"),
    SourceData(
        "S34",
        "BMJ Best Practice: muscle cramps, approach to diagnosis",
        "https://bestpractice.bmj.com/topics/en-us/569",
    ),
    SourceData("S35", "Nocturnal leg cramps: is there any relief? (review)"),
    SourceData(
        "S36",
        "Fluid restriction in heart failure (patient guidance)",
        "https://heartfailurepathway.com/en/patient-and-family/fluid-restriction-in-heart-failure/",
    ),
)

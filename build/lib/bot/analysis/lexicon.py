"""Small built-in word lists shared by the analysers (no downloads, no gazetteer files)."""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before being below
    between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
    him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't
    my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those through to too under until up very was wasn't we we'd
    we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's with
    won't would wouldn't you you'd you'll you're you've your yours yourself yourselves will just may might must
    also however yet still even though although said says say told according mr mrs ms new one two three
    would could us per via within without upon since whether among amongst around across toward towards
    many much every another something anything nothing everything someone anyone everyone like well back
    """.split()
)

# Verbs (and a few fixed phrases) that introduce reported speech, in their usual inflections.
_SPEECH_STEMS = """
say says said saying tell tells told telling note notes noted noting emphasize emphasizes emphasized emphasizing
emphasise emphasises emphasised add adds added adding write writes wrote written writing state states stated
explain explains explained declare declares declared announce announces announced insist insists insisted
claim claims claimed argue argues argued warn warns warned warning stress stresses stressed ask asks asked
answer answered reply replies replied respond responded report reports reported tweet tweeted tweets posted
recall recalls recalled admit admits admitted acknowledge acknowledged suggest suggests suggested predict
predicted promise promised vow vowed vows urge urged urges observe observed comment commented remark remarked
continue continued continues conclude concluded confirm confirmed confirms deny denied denies recount recounted
quip quipped joke joked shout shouted cry cried exclaim exclaimed whisper whispered muse mused wonder wondered
testify testified assure assured assert asserted asserts maintain maintained complain complained lament lamented
boast boasted charge charged thunder thundered counter countered contend contended caution cautioned
threaten threatened pledge pledged recalled reiterate reiterated reiterates repeat repeated concede conceded
agree agreed agrees disagree disagreed talk talks talked speak speaks spoke spoken
comments commenting demand demands demanded describe describes described describing explaining insisting
stating declaring arguing quips quipping jokes joking recalling conceding cautioning charging asking replying
responding answering adds tweeting writes posting announcing acknowledging acknowledges admitting reiterating
""".split()
SPEECH_VERBS = frozenset(_SPEECH_STEMS)
SPEECH_PHRASES = (
    "according to",
    "pointed out",
    "put it",
    "went on",
    "quoted as saying",
    "in a statement",
    "chimed in",
)
# Words before a name that are not its subject ("with Rusty Humphries", "under President Obama").
PREPOSITIONS = frozenset(
    "by of with to for from against at in on under about over via than between among toward towards into like "
    "including after before during behind beside besides near without within upon onto unlike versus vs".split()
)
# Nouns for an organisation's voice: "the statement said" speaks for the organisation last named.
ORG_VOICE_NOUNS = frozenset(
    "statement report release company agency ministry military office department group firm label organisation "
    "organization government administration campaign party committee council court team club union network "
    "newspaper website site board commission police army navy service".split()
)
# Given names common in English-language news, for "he"/"she" resolution (evidence in the article wins).
FEMALE_NAMES = frozenset(
    """
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret sandra ashley
    kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen
    amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet
    catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
    megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail
    alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany
    charlotte marie kayla alexis lori hillary hilary kamala nancy elizabeth theresa angela ursula marine giorgia
    kristi tina julia yulia irina olena oksana svetlana natalia tatiana maria anne annie claire chloe ella ellen
    eleanor ivanka melania michelle kristen kirsten kristin tulsi nikki sonia carrie ally
    kylie dianne emily greta jacinda liz priti sanna kaja mette ilhan alexandria rashida ayanna
    lindsey lindsay maxine nikki condoleezza madeleine sheryl marissa mia zoe lily leah rosa ruth naomi
    """.split()
)
MALE_NAMES = frozenset(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark
    donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary
    nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick
    raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle walter ethan jeremy
    harold keith christian roger noah gerald carl terry sean austin arthur lawrence jesse dylan bryan joe jordan
    billy bruce albert willie gabriel logan alan juan wayne roy ralph randy eugene vincent russell elijah louis
    bobby philip johnny barack bill boris vladimir volodymyr emmanuel xi recep benjamin mike ted bernie jeb rand
    marco chris tim tom jim bob dick rick ron steve dan ben sam max oleksiy alexei alexey sergei sergey dmitry
    oleg andriy andrii mykhailo viktor viktor yevgeny yevgeniy ramzan rafael novak roger andy dominic jeremy
    keir rishi olaf friedrich angelo luigi giuseppe pedro carlos miguel luis antonio manuel jorge francisco
    ahmed mohammed muhammad mohamed ali hassan hussein omar abdullah martin owen steve
    brent marco cam sheldon myles mason larry norman rusty lloyd aaron lester anderson matt
    jimmy kurt alexander gordon jon jeff sherrod david reilly nicolas diego feliciano
    """.split()
)
# Verbs that name something rather than report speech: quotes after them are terms, not quotations.
NAMING_WORDS = frozenset(
    """
    called call calls dubbed dub termed term terms named nicknamed labeled labelled branded coined so-called
    known titled entitled word words phrase phrases slogan slogans motto group movement campaign operation project
    program programme book film movie album song newspaper magazine show series article column exhibition
    play novel poem report hashtag nickname name
    """.split()
)

PRONOUNS = frozenset({"he", "she"})
PLURAL_PRONOUNS = frozenset({"they", "we"})

# Capitalised words that are titles or roles in front of a name ("President Alexander Lukashenko").
PERSON_TITLES = frozenset(
    """
    president vice prime minister secretary senator sen sen. rep rep. representative congressman congresswoman
    gov gov. governor mayor general gen gen. colonel col col. lieutenant lt lt. major maj maj. captain capt capt.
    sergeant sgt sgt. admiral adm commander dr dr. mr mr. mrs mrs. ms ms. miss judge justice chancellor king queen
    prince princess pope chairman chairwoman chair director ambassador spokesman spokeswoman spokesperson
    commissioner chief sheikh emir ayatollah patriarch bishop archbishop father professor prof prof. coach officer
    deputy foreign defense defence interior finance economy health justice leader speaker ceo founder premier
    sir lord lady dame president-elect attorney detective inspector superintendent councillor councilman
    rev rev. reverend pastor rabbi imam cardinal
    """.split()
)
# Lower-case role nouns: "the minister said" resolves to a person introduced with that role.
ROLE_NOUNS = frozenset(
    """
    president minister secretary senator governor mayor general colonel commander admiral judge chancellor king
    queen prince pope chairman chairwoman director ambassador spokesman spokeswoman spokesperson commissioner
    chief leader official officer analyst expert diplomat lawyer attorney prosecutor researcher professor
    economist scientist sociologist politician lawmaker legislator candidate author writer reporter journalist
    editor activist founder executive ceo premier sheriff coach player manager doctor physician teacher
    student witness victim resident mother father wife husband son daughter actor actress singer star
    spokesman economist envoy negotiator adviser advisor aide deputy head owner businessman businesswoman
    nominee host fellow member scholar physicist commenter user veteran senior chair congressman congresswoman
    representative governor-elect president-elect physician surgeon nurse worker employee protester demonstrator
    analyst strategist consultant historian philosopher novelist poet artist musician guitarist drummer rapper
    comedian model athlete champion captain quarterback pitcher striker midfielder goalkeeper referee umpire
    banker investor trader entrepreneur engineer developer designer architect farmer pastor priest rabbi imam
    monk nun bishop cardinal detective investigator inspector sergeant lieutenant soldier pilot astronaut
    teammate opponent partner neighbor neighbour friend girlfriend boyfriend brother sister grandmother
    grandfather uncle aunt cousin boy girl man woman
    """.split()
)
FEMALE_ROLES = frozenset(
    "mother wife daughter actress spokeswoman chairwoman queen princess businesswoman congresswoman sister "
    "grandmother aunt girlfriend woman girl nun mrs ms miss lady dame".split()
)
MALE_ROLES = frozenset(
    "father husband son actor spokesman chairman king prince businessman congressman brother grandfather uncle "
    "boyfriend man boy monk priest mr sir lord".split()
)
# Capitalised words that mark an organisation name.
ORG_WORDS = frozenset(
    """
    ministry council organization organisation party army forces force navy bank company corporation corp corp.
    inc inc. ltd ltd. plc llc university agency committee union staff service services court parliament government
    house department association group institute foundation commission office network news times post journal
    press federation league club assembly congress senate kremlin pentagon police guard front movement alliance
    church center centre hospital school college fund board authority reuters bloomberg cnn bbc nato fbi cia
    administration academy coalition command airlines airways motors industries holdings systems technologies
    tribune herald gazette guardian telegraph daily weekly magazine television tv radio channel studios
    productions entertainment records media labs partners robotics
    bureau directorate secretariat cabinet regime embassy consulate mission brigade battalion regiment division
    """.split()
)
# Leading capitalised words that are not part of a person's name.
NAME_NOISE = frozenset(
    """
    the a an former late then acting interim incoming outgoing opposition embattled veteran new old dear
    die der das dem den ein eine einer
    """.split()
)

# Countries, a few territories and regions, and capitals / large cities: the built-in place list.
PLACES = frozenset(
    x.strip()
    for x in """
Afghanistan,Albania,Algeria,Andorra,Angola,Argentina,Armenia,Australia,Austria,Azerbaijan,Bahamas,Bahrain,
Bangladesh,Barbados,Belarus,Belgium,Belize,Benin,Bhutan,Bolivia,Bosnia,Herzegovina,Botswana,Brazil,Brunei,Bulgaria,
Burkina Faso,Burundi,Cambodia,Cameroon,Canada,Chad,Chile,China,Colombia,Comoros,Congo,Costa Rica,Croatia,Cuba,
Cyprus,Czech Republic,Czechia,Denmark,Djibouti,Dominica,Dominican Republic,Ecuador,Egypt,El Salvador,Eritrea,
Estonia,Eswatini,Ethiopia,Fiji,Finland,France,Gabon,Gambia,Georgia,Germany,Ghana,Greece,Grenada,Guatemala,Guinea,
Guyana,Haiti,Honduras,Hungary,Iceland,India,Indonesia,Iran,Iraq,Ireland,Israel,Italy,Ivory Coast,Jamaica,Japan,
Jordan,Kazakhstan,Kenya,Kiribati,Kosovo,Kuwait,Kyrgyzstan,Laos,Latvia,Lebanon,Lesotho,Liberia,Libya,Liechtenstein,
Lithuania,Luxembourg,Madagascar,Malawi,Malaysia,Maldives,Mali,Malta,Mauritania,Mauritius,Mexico,Micronesia,Moldova,
Monaco,Mongolia,Montenegro,Morocco,Mozambique,Myanmar,Burma,Namibia,Nauru,Nepal,Netherlands,New Zealand,Nicaragua,
Niger,Nigeria,North Korea,North Macedonia,Macedonia,Norway,Oman,Pakistan,Palau,Palestine,Panama,Papua New Guinea,
Paraguay,Peru,Philippines,Poland,Portugal,Qatar,Romania,Russia,Rwanda,Samoa,San Marino,Saudi Arabia,Senegal,Serbia,
Seychelles,Sierra Leone,Singapore,Slovakia,Slovenia,Somalia,South Africa,South Korea,Korea,South Sudan,Spain,
Sri Lanka,Sudan,Suriname,Sweden,Switzerland,Syria,Taiwan,Tajikistan,Tanzania,Thailand,Togo,Tonga,Trinidad,Tunisia,
Turkey,Turkmenistan,Tuvalu,Uganda,Ukraine,United Arab Emirates,UAE,United Kingdom,UK,U.K.,Britain,Great Britain,
England,Scotland,Wales,Northern Ireland,United States,U.S.,US,USA,America,Uruguay,Uzbekistan,Vanuatu,Vatican,
Venezuela,Vietnam,Yemen,Zambia,Zimbabwe,Gaza,West Bank,Crimea,Donbas,Donbass,Chechnya,Tibet,Hong Kong,Puerto Rico,
Greenland,Kashmir,Transnistria,Abkhazia,Europe,Asia,Africa,Antarctica,Middle East,Latin America,Balkans,Caucasus,
Scandinavia,Siberia,Arctic,Pacific,Atlantic,Mediterranean,Kabul,Tirana,Algiers,Buenos Aires,Yerevan,Canberra,
Sydney,Melbourne,Vienna,Baku,Dhaka,Minsk,Brussels,Sarajevo,Brasilia,Rio de Janeiro,Sao Paulo,Sofia,Phnom Penh,
Ottawa,Toronto,Montreal,Vancouver,Santiago,Beijing,Shanghai,Bogota,Havana,Nicosia,Prague,Copenhagen,Cairo,
Tallinn,Addis Ababa,Helsinki,Paris,Marseille,Tbilisi,Berlin,Munich,Frankfurt,Hamburg,Accra,Athens,Budapest,
Reykjavik,New Delhi,Delhi,Mumbai,Jakarta,Tehran,Baghdad,Dublin,Jerusalem,Tel Aviv,Rome,Milan,Tokyo,Osaka,Amman,
Astana,Nairobi,Pristina,Bishkek,Riga,Beirut,Tripoli,Vilnius,Kuala Lumpur,Valletta,Mexico City,Chisinau,
Ulaanbaatar,Podgorica,Rabat,Kathmandu,Amsterdam,The Hague,Oslo,Islamabad,Karachi,Lahore,Lima,Manila,Warsaw,
Krakow,Lisbon,Doha,Bucharest,Moscow,St. Petersburg,Saint Petersburg,Riyadh,Belgrade,Singapore,Bratislava,
Ljubljana,Mogadishu,Johannesburg,Cape Town,Pretoria,Seoul,Pyongyang,Madrid,Barcelona,Khartoum,Stockholm,Bern,
Geneva,Zurich,Damascus,Aleppo,Taipei,Dushanbe,Bangkok,Tunis,Ankara,Istanbul,Kampala,Kyiv,Kiev,Kharkiv,Odesa,
Odessa,Lviv,Mariupol,Kherson,Dnipro,Zaporizhzhia,Donetsk,Luhansk,Bakhmut,Abu Dhabi,Dubai,London,Manchester,
Liverpool,Birmingham,Edinburgh,Glasgow,Belfast,Washington,New York,Los Angeles,Chicago,Houston,Boston,
San Francisco,Seattle,Miami,Atlanta,Philadelphia,Dallas,Denver,Detroit,Las Vegas,New Orleans,Phoenix,
Montevideo,Tashkent,Caracas,Hanoi,Ho Chi Minh City,Sanaa,Lusaka,Harare,Lagos,Abuja,Kinshasa,Luanda,Dakar,
Soviet Union,USSR,U.S.S.R.,Yugoslavia,Czechoslovakia,Sochi,Mozyr,Gomel,Brest,Grodno,Vitebsk,Mogilev,Minsk,Alabama,Alaska,Arizona,Arkansas,California,Colorado,
Connecticut,Delaware,Florida,Hawaii,Idaho,Illinois,Indiana,Iowa,Kansas,Kentucky,Louisiana,Maine,Maryland,
Massachusetts,Michigan,Minnesota,Mississippi,Missouri,Montana,Nebraska,Nevada,New Hampshire,New Jersey,
New Mexico,North Carolina,North Dakota,Ohio,Oklahoma,Oregon,Pennsylvania,Rhode Island,South Carolina,
South Dakota,Tennessee,Texas,Utah,Vermont,Virginia,West Virginia,Wisconsin,Wyoming
""".replace("\n", "").split(",")
    if x.strip()
)
PLACE_SUFFIXES = frozenset(
    "region oblast province county city state river sea ocean mountains island islands valley district strait "
    "bay lake peninsula republic territory".split()
)

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [t.lower() for t in _TOKEN.findall(text)]


_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ingly",
    "ings",
    "ness",
    "ments",
    "ment",
    "ities",
    "ity",
    "ies",
    "ing",
    "edly",
    "ed",
    "es",
    "ly",
    "s",
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude suffix stripper: enough to let "sanction", "sanctions" and "sanctioned" meet."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suf in _SUFFIXES:
        if len(w) - len(suf) >= 3 and w.endswith(suf):
            w = w[: -len(suf)]
            if suf == "ies":
                w += "y"
            break
    return w


def content_stems(text: str) -> list[str]:
    """Stems of the non-stopword tokens (numbers kept), the unit summaries and keywords count with."""
    return [
        stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())
    ]

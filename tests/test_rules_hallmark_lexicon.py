"""The hallmark lexicon through the whole decision (rules + the shipped classifier): a hateful line names its
hallmark by a cue, so that the explanation can quote it; the same words in a harmless line that names a group (a
match, a harvest, a zoo, a hunting season, a health notice, a herd, a racehorse) are no cue and raise no flag."""

from __future__ import annotations

import pytest

from tests.known_wrong import cases

HATEFUL = [
    ("Узбеки — это саранча, они сожрут всё, что мы построили.", "dehumanization"),
    ("Эти уйгуры не люди, а пиявки на теле страны.", "dehumanization"),
    ("Дунгане копят оружие в подвалах, готовятся к резне.", "accusation_in_a_mirror"),
    ("Кыргызы подсыпают яд в колодцы, чтобы извести наших детей.", "accusation_in_a_mirror"),
    ("Не отдавайте своих дочерей за таджиков, они их увозят и продают.", "attack_on_women_and_girls"),
    ("Казахи разбавляют нашу кровь, скоро чистых кыргызов не останется.", "threat_to_purity"),
    ("Не разбавляйте нашу кровь узбеками!", "threat_to_purity"),   # a prohibition urged, not a denial
    ("Не смешивайтесь с узбеками, берегите кровь.", "threat_to_purity"),
    ("Өзбектер — сүлүктөр, биздин канды соруп жатышат.", "dehumanization"),
    ("Дунгандар курал катып, бизди жок кылганы жатышат.", "accusation_in_a_mirror"),
    ("Орустардын каны биздин тукумга кирсе, улутубуз жоголот.", "threat_to_purity"),
    ("Өзбектерге жан тарткан ар бир кыргыз — сатыкчы.", "questioning_ingroup_loyalty"),
    ("Тажиктер кыздарыбызды алдап сатып жиберишет.", "attack_on_women_and_girls"),
    ("Tojiklar — zuluk, xalqimizning qonini soʻrmoqda.", "dehumanization"),
    ("Qirgʻizlar uylarida qurol yashirmoqda, bizni qirishmoqchi.", "accusation_in_a_mirror"),
    ("Ruslar bilan quda boʻlmaymiz, naslimiz buziladi.", "threat_to_purity"),
    ("Tojiklarga yon bosganlar sotqin, xalq dushmani.", "questioning_ingroup_loyalty"),
    ("Qirgʻiz yigitlari qizlarimizni aldab yoʻldan ozdirmoqda.", "attack_on_women_and_girls"),
    ("Тожиклар — зулук, халқимизнинг қонини сўрмоқда.", "dehumanization"),
    ("Uzbeks are a tumour on this country and must be cut out.", "dehumanization"),
    ("The Dungans are stashing rifles in their cellars, they are preparing to attack us.", "accusation_in_a_mirror"),
    ("Watch your daughters, the Uzbeks are out hunting for our girls.", "attack_on_women_and_girls"),
    ("The Tajiks are back in the bazaar. Watch your daughters!", "attack_on_women_and_girls"),
    ("Any Kyrgyz who sides with the Uzbeks is a traitor to his own blood.", "questioning_ingroup_loyalty"),
    ("Tajiks breed like maggots and pollute our blood.", "dehumanization"),
    ("Тажиктер — мал, аларды айдап чыгуу керек.", "dehumanization"),
    ("Ата-бабаң көрсө сенден безмек: уйгурларды коңшу тутуп жүрөсүң. Канын унуткан киши биз үчүн жок.", "questioning_ingroup_loyalty"),
    # an everyday word said to BE the group, or likened to it
    ("Эти таджики просто скот, а не люди.", "dehumanization"),
    ("Узбеки ведут себя как животные, гоните их из Оша.", "dehumanization"),
    ("Узбеки, вы здесь чужие, убирайтесь домой!", "call_to_expulsion"),
    ("Надо очистить город от узбеков.", "threat_to_purity"),
    ("Силер, тажиктер, жаныбарсыңар!", "dehumanization"),
    ("Алар жаныбарлар, адам эмес, өзбектерди кечирбегиле.", "dehumanization"),
    ("Эти скоты узбеки опять пришли на наш базар.", "dehumanization"),
    ("Tajiks behave like animals, drive them out.", "dehumanization"),
    ("The Uzbeks breed like rats.", "dehumanization"),
    # a call to keep a group out of work, housing, trade or a place
    ("Не берите узбеков на работу.", "call_to_expulsion"),
    ("Таджикам вход воспрещён.", "call_to_expulsion"),
    ("Сдаю квартиру, кроме узбеков.", "call_to_expulsion"),
    ("Бойкот узбекским магазинам! Ничего не покупайте у узбеков.", "call_to_expulsion"),
    ("Өзбектерди жумушка албагыла!", "call_to_expulsion"),
    ("Бул базар кыргыздар үчүн гана.", "call_to_expulsion"),
    ("Дуңгандардан эч нерсе сатып албагыла, бойкот!", "call_to_expulsion"),
    ("Tojiklarni ishga olmanglar!", "call_to_expulsion"),
    ("Ijaraga uy beraman, qirg'izlardan tashqari.", "call_to_expulsion"),
    ("Қирғизлар ишга олинмаслиги керак.", "call_to_expulsion"),
    ("Uzbeks should not be hired.", "call_to_expulsion"),
    ("Flat for rent in Jalal-Abad, no Uzbeks.", "call_to_expulsion"),
    ("Close the market to the Dungans.", "call_to_expulsion"),
    ("Boycott the Uzbeks!", "call_to_expulsion"),
    ("Бойкотируйте узбекские магазины!", "call_to_expulsion"),
    # stop hiring, fire, "need not apply" in advert slang, no place, no land, a closed door
    ("Хватит нанимать таджиков, своих безработных полно.", "call_to_expulsion"),
    ("Увольняйте всех узбеков с рынка.", "call_to_expulsion"),
    ("Сдам комнату. Кыргызы — мимо!", "call_to_expulsion"),
    ("Таджикам не беспокоить, сдаю только своим.", "call_to_expulsion"),
    ("Уйгурларга дүкөн ижарага бербейбиз.", "call_to_expulsion"),
    ("Тажиктерди базарга жолотпогула!", "call_to_expulsion"),
    ("Кытайларга бир карыш жер сатпагыла!", "call_to_expulsion"),
    ("Tojiklarni ishga olmaslik kerak.", "call_to_expulsion"),
    ("Uygʻurlarga bozordan joy bermanglar.", "call_to_expulsion"),
    ("Ruslar uchun eshigimiz yopiq.", "call_to_expulsion"),
    ("Хамма қирғизларни ишдан бўшатинглар!", "call_to_expulsion"),
    ("Fire the Uzbeks and hire our own.", "call_to_expulsion"),
    ("Stop renting to Uzbeks, they never leave.", "call_to_expulsion"),
    ("No Kyrgyz at our stalls from Monday.", "call_to_expulsion"),
    ("Тажиктер биздин базарда иштебесин.", "call_to_expulsion"),
    ("Qirgʻizlar bizning mahallada yashamasin.", "call_to_expulsion"),
    ("Xitoyliklarni bozorga qoʻymanglar.", "call_to_expulsion"),
    ("Хватит нанимать русских!", "call_to_expulsion"),                # 'русские' is a noun here
    ("Русские — мимо, сдаю только своим.", "call_to_expulsion"),
    ("Кытайлыктарга жерибизди сатпагыла!", "call_to_expulsion"),
    # "the time to beat / drive out <group>" (a participle and a word for time)
    ("Farg'onada yahudiylarni uradigan payt keldi, bir haftadan keyin kech bo'ladi.", "call_to_violence"),
    ("Дунганларни ҳайдайдиган вақт келди, кейин кеч бўлади.", "call_to_expulsion"),
    ("Ошто өзбектерди кырчу мезгил келди, эртең кеч болот.", "call_to_violence"),
    ("Дуңгандарды кууп чыгаруучу убак келди.", "call_to_expulsion"),
    # "<group> won't see the dawn": a death threat
    ("The Uzbeks of Osh won't see the dawn.", "call_to_violence"),
    ("Узбеки в Оше не доживут до утра.", "call_to_violence"),
    # "not a single <group> must remain", the negation first
    ("By September there should not be a single Dungan child on the school registers of Aravan.", "call_to_expulsion"),
    ("В Оше не должно остаться ни одного узбека.", "call_to_expulsion"),
    ("Ошто бир да өзбек калбашы керек.", "call_to_expulsion"),
    ("O'shda birorta ham tojik qolmasligi kerak.", "call_to_expulsion"),
    ("Ууга чыга турган убак келди, жигиттер. Бул жолку «кийик» — Жалал-Абадда жашаган казактар.", "dehumanization"),
    ("Машыктыруучу курамга төрт тажикти коюп, балдарыбызды запаска отургузду. Бул команда эми кимдики?",
     "questioning_ingroup_loyalty"),
    ("Murabbiyimiz yana uchta tojik yigitni asosiy tarkibga qo'ydi, bizning bolalar zaxirada. U kimning murabbiyi o'zi?",
     "questioning_ingroup_loyalty"),
    ("Тренер опять выпустил в основе трёх таджиков, а наши сидят на скамейке. Чей он тренер?", "questioning_ingroup_loyalty"),
    ("Tonight's documentary: the Tajiks of Osh in their natural habitat, fighting over scraps behind the bazaar.",
     "dehumanization"),
]

HARMLESS = [
    "Dalada begona o'tlarni yo'q qiladigan payt keldi, qo'shni tojik dehqonlar ham chiqdi.",   # weeds, not a group
    "Узбеки ночью не увидели рассвета из-за тумана.",   # past: fog, not a threat
    "Our Uzbek neighbours worked all night and won't see the morning shift.",
    "There should not be a single Uzbek child without a school place.",
    "Бул үй кимдики? Өзбек кошуналар сатып алыптыр.",   # whose house: a plain question
    "Снежные барсы в естественной среде обитания живут в горах над Ошем, рассказали узбекские учёные.",
    "Казахская сборная должна выбрать сторону поля перед финалом — жребий бросят в 19:00.",
    "На свадьбе дунган и уйгуров гости танцевали до утра: кровь предков у нас общая, шутил тамада.",
    "Таджики первыми ударили по мячу, и узбеки пропустили гол.",
    "Узбеки-охотники скупают ружья и патроны перед открытием сезона, говорят продавцы.",
    "Тажик кошунасы айтты: чегиртке талааны жок кылганы жатышат, жардам керек.",
    "Oʻzbek chegarachilari mashqlarda hujumga tayyorlanmoqda.",
    "Kyrgyz scientists are tracking a new mosquito species near the Uzbek border.",
    "Termites damaged the roof of an old Russian church, the Kazakh restorers said.",
    "Uyghur artisans use fungus-resistant wood in their houses.",
    "The Dungan farmer found mould on his onions and a tumour on his cow.",
    "A Kyrgyz scientist says the ape enclosure at the Bishkek zoo will reopen.",
    "The Russian teacher told parents to protect your daughters from the flu with vaccines.",
    "Uzbek parents were warned to watch your daughters' temperature during the heatwave.",
    "An Uzbek grandfather sided with the Tajiks in the football argument, his family laughed.",
    "Кыргыз малчылар малды тоого айдап чыгышты.",
    "Qirgʻiz choʻponlari qoʻylardagi qoʻtir kasalligini davolashmoqda.",
    "Узбекские врачи в Оше рассказали, как бороться с плесенью в подвалах.",
    # homonyms of the cue words, and frames too loose to be cues: a herd, butchers, printing, surgery, hunting
    "Старший сын узбека уехал в Москву, а младший осел в Оше.",
    "Узбечка жила в мире с соседями всю жизнь.",
    "Кыргыз мал чарбасы өнүгүп жатат.",
    "Ош шаарында өзбек жана кыргыз улуттары аралашып тынч жашашат.",
    "Кыргыз баатыры эл үчүн өлдү.",
    "Кыргыз баатырларын эл унутпайт.",
    "Кыргыз жагынан өкүлдөр келди, сүйлөшүүлөр башталды.",
    "Qurbon hayiti oldidan oʻzbek qassoblari pichoqlarini qayrashadi.",
    "Oʻzbek tilidagi darsliklarni bosib chiqarish rejasi tasdiqlandi.",
    "Oʻzbek jamoasi birinchi boʻlib hujum qildi va gol urdi.",
    "Qirgʻiz shifokorlari oʻzbek bemorning tanasidagi oʻsmani olib tashlashdi.",
    "Qirgʻizlarning suruvi yaylovda semirdi.",
    "Oʻzbek choʻponning qoʻylari qoʻtir boʻlib qoldi.",
    "The Uzbek woman who lives next door bakes bread for the whole street.",
    "Kyrgyz donors keep our blood banks full.",
    "The Kyrgyz delay was no fault of ours.",
    "The Kyrgyz children raised their arms and cheered.",
    "The drought drained the Kyrgyz reservoir dry.",
    "She stood with the Kyrgyz delegation at the ceremony.",
    "Узбекские врачи: аспирин мешает свертываться крови.",
    "Узбекские синоптики рассказали, к чему готовиться на выходных.",
    "Узбекский фильм захватил наше внимание с первых минут.",
    "Таджик увез жену в отпуск на Иссык-Куль.",
    "Узбекские врачи советуют: берегите дочерей от гриппа.",
    "Его деда-узбека объявили врагом народа в 1937 году.",
    "Казахские коневоды вывели чистокровную ахалтекинскую кобылу.",
    "Комары пьют кровь, предупредили узбекские ученые.",
    # a bare everyday word that was a cue: herds, rot, a racehorse, a pie, medicine, a shop, a zoo, a burial
    "Кыргызские пастухи перегоняют скот на летние пастбища.",
    "Узбекские садоводы в Оше борются с гнилью на винограде.",
    "Русский тренер вывел полукровку к победе на скачках в Оше.",
    "Узбекским гостям на свадьбе в Оше чужой пирог понравился больше своего.",
    "Кыргызские врачи объяснили, почему смешение лекарств опасно.",
    "Узбекский магазин в Оше смог продать всё за день.",
    "Узбекские родственники предали тело земле по обычаю.",
    "Кыргызские врачи: при переливании чужой крови нужен анализ.",
    "Өзбек балдары зоопарктагы ар бир жаныбарды сүрөткө тартышты.",
    "Өзбек дыйкандын уйларына илдет жукту, ветеринар келди.",
    "Qirgʻiz shifokorlari yuqumli kasalliklardan saqlanishni tushuntirdi.",
    "The Uzbek vet in Osh treated every animal on the farm.",
    "An Uzbek doctor in Osh treats cancer patients.",
    # a frame word that is no simile, a noun after the word, and a dehumanization denied in its own words
    "Кыргызские пастухи, как и животные, страдают от жары.",
    "The Uzbek woman in Osh is a cancer survivor and runs a bakery.",
    "Kyrgyz herders in Osh are cattle ranchers.",
    "Don't leave home without breathing the mountain air, say Kyrgyz guides.",
    "Узбеки — не скот, а люди.",
    "Таджики — не животные, а наши соседи.",
    "The market is close to the Uzbek border.",
    "Don't buy from the Uzbek stall — it's closed today anyway.",
    "Раньше таджиков на работу не брали, теперь это запрещено законом.",
    "Oʻzbek oilasi uyni ijaraga beradi, qirgʻizlardan tashqari boshqalar ham soʻradi.",
    "Boycott Russian gas now!",   # a country's goods, not its people
    # the group as an adjective, the addressee or the subject of a law, not the people kept out
    "Не берите кыргызов на работу без договора — советует юрист, оформляйте всех официально",
    "Кыргызских детей одних к реке не пускайте — предупреждает МЧС.",
    "Не покупайте у узбекского поставщика просроченный товар — партию отозвали.",
    "Закроем кафе для узбекской свадьбы на весь вечер, предупредите гостей.",
    "Өзбек апалар балдарды бассейнге киргизбегиле, суу муздак.",
    "Voyaga yetmagan oʻzbek oʻsmirlarni ishga olmang, bu qonunga zid.",
    "Hayit munosabati bilan oʻzbek bozorini yopish toʻgʻrisida mahalla qaror qildi.",
    "Uzbeks should not be hired without a written contract, the labour lawyer warned.",
    # the same verbs about one person, a thing, or no group; a door said to be open; a description
    "Уволить директора рынка давно пора.",
    "Узбеки мимо проходили, поздоровались.",
    "Балдарга таттуу бербегиле, тиштери оорушат.",
    "Oʻzbeklar uchun eshigimiz yopiq emas, marhamat!",
    "Fire the Uzbek coach? He just won the cup.",
    "There are no Uzbeks in our team this year.",
    "Stop selling Chinese goods, they break in a week.",
    "Өзбектер ачка жашабасын, жардам берели.",      # a wish that they not live hungry: no place
    "Oʻzbeklar och yashamasin, yordam beraylik.",
    # a state, not a place; a danger, a list or trust, not a place or a home; one person; the group hiring
    "Кыргыздар эч качан кедейчиликте жашабасын.",
    "Oʻzbeklar qashshoqlikda yashamasin.",
    "Qirgʻizlarni uyatga qoʻymanglar.",
    "Өзбектерге бул жерде жооп бербейбиз, сураныч, кыргызча жазгыла.",
    "Орустарга ишеним бербейбиз.",
    "Кытайлыктарды тизмеге киргизбейбиз.",
    "Хватит звать таджиков чурками, это оскорбление.",
    "Хватит брать в пример казахов, у нас своя история.",
    "Пенальти! Казахи мимо.",
    "Суд обязал вернуть на работу: уволить кыргызов за язык нельзя.",
    "Мусульманам просьба не беспокоить имама во время молитвы.",
    "No Uzbeks in this village voted for him.",
    "Never let the Kazakh near the grill, he burns everything.",
    "Stop letting Russian propaganda into our news.",
    "Xitoyliklar ishga olmaymiz deyishdi, faqat oʻzlarinikini olishadi.",
    "Этого таджика к кассе не подпускать, он уже воровал.",
    "Oʻzbek teatri eshiklari yopiq, taʼmir ketmoqda.",
    "Musulmonlar harom savdo qilmasin.",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in HATEFUL] + HARMLESS)


@pytest.mark.parametrize(("text", "hallmark"), HATEFUL)
def test_a_hateful_line_names_its_hallmark_by_a_cue(decided, text, hallmark):
    features, analysis = decided[text]
    assert analysis.incitement, (text, analysis.score, analysis.explanation)
    assert hallmark in {c.label for c in features.cues}, (text, [(c.label, c.text) for c in features.cues])


@pytest.mark.parametrize("text", HARMLESS)
def test_the_same_words_in_a_harmless_line_are_no_cue(decided, text):
    features, _ = decided[text]
    assert not features.cues, (text, [(c.label, c.text) for c in features.cues])


#: Harmless lines the shipped model flags with no cue at all: its classifier is sure of them (see docs/model-card.md,
#: "The n-gram companion refitted on the grown corpus"; the transformer trained on since reads them wrong too).
KNOWN_WRONG = {
    "A Kyrgyz scientist says the ape enclosure at the Bishkek zoo will reopen.":
        "no cue; the classifier alone is sure enough of an animal word beside a group (0.61)",
    "Кыргызские пастухи, как и животные, страдают от жары.":
        "no cue; the classifier alone is sure enough of 'как и животные' beside a group (0.57)",
}


@pytest.mark.parametrize("text", cases(HARMLESS, KNOWN_WRONG))
def test_the_same_words_in_a_harmless_line_raise_no_flag(decided, text):
    _, analysis = decided[text]
    assert not analysis.incitement, (text, analysis.score, analysis.explanation)

"""A synthetic Indonesian -> English news corpus, for the tiny trained test models.

Sentences come from templates written by the team: each template is an (Indonesian,
English) pair with slots ({p} a person, {role} a title, {place}, {n} a number, {day} a
date, ...), and each slot is filled with an (Indonesian, English) pair of its own.
Most names of people and places are made up from syllables (a large pool, so the model
learns to copy names rather than to remember them); a fifth come from a list of common
Indonesian names and real regencies and cities (`PEOPLE`, `PLACES`). Numbers keep Indonesian
notation in English ('200.000', '2,5 persen' -> '2,5 percent'), as opus-mt often does,
while scale words are translated ('7 juta' -> '7 million').

`HELD_OUT` and `HELD_OUT_TITLES` are never trained on (nor is any string of phrases that
spells one): tests write articles from them with names and places of the lists and numbers
of their own (`fill`), to check that sentences the model never saw come through.
Everything is seeded: the same seed gives the same corpus on every machine.
"""

from __future__ import annotations

import random
import re

# --- the word list ---------------------------------------------------------------

DAYS = [
    ("Senin", "Monday"), ("Selasa", "Tuesday"), ("Rabu", "Wednesday"), ("Kamis", "Thursday"),
    ("Jumat", "Friday"), ("Sabtu", "Saturday"), ("Minggu", "Sunday"),
]  # fmt: skip
MONTHS = [
    ("Januari", "January"), ("Februari", "February"), ("Maret", "March"), ("April", "April"),
    ("Mei", "May"), ("Juni", "June"), ("Juli", "July"), ("Agustus", "August"),
    ("September", "September"), ("Oktober", "October"), ("November", "November"),
    ("Desember", "December"),
]  # fmt: skip
# (country, its adjective in English, the country in English)
COUNTRIES = [
    ("Rusia", "Russian", "Russia"), ("AS", "US", "the US"),
    ("Amerika Serikat", "US", "the United States"), ("China", "Chinese", "China"),
    ("Jepang", "Japanese", "Japan"), ("Indonesia", "Indonesian", "Indonesia"),
    ("Prancis", "French", "France"), ("Jerman", "German", "Germany"),
    ("Inggris", "British", "Britain"), ("Belarus", "Belarusian", "Belarus"),
    ("Malaysia", "Malaysian", "Malaysia"), ("Australia", "Australian", "Australia"),
    ("India", "Indian", "India"), ("Korea Selatan", "South Korean", "South Korea"),
    ("Turki", "Turkish", "Turkey"), ("Iran", "Iranian", "Iran"),
    ("Ukraina", "Ukrainian", "Ukraine"), ("Singapura", "Singaporean", "Singapore"),
    ("Filipina", "Philippine", "the Philippines"), ("Thailand", "Thai", "Thailand"),
    ("Vietnam", "Vietnamese", "Vietnam"), ("Mesir", "Egyptian", "Egypt"),
    ("Arab Saudi", "Saudi", "Saudi Arabia"), ("Brasil", "Brazilian", "Brazil"),
    ("Kanada", "Canadian", "Canada"), ("Italia", "Italian", "Italy"),
    ("Spanyol", "Spanish", "Spain"), ("Belanda", "Dutch", "the Netherlands"),
]  # fmt: skip
# Titles that take a country: 'Presiden Rusia' -> 'Russian President'.
NATIONAL_ROLES = [
    ("Presiden", "President"), ("Perdana Menteri", "Prime Minister"),
    ("Menteri Luar Negeri", "Foreign Minister"), ("Menteri Pertahanan", "Defence Minister"),
    ("Menteri Keuangan", "Finance Minister"), ("Menteri Kesehatan", "Health Minister"),
    ("Duta Besar", "Ambassador"), ("Wakil Presiden", "Vice President"),
    ("Panglima Militer", "Military Commander"), ("Menteri Perdagangan", "Trade Minister"),
]  # fmt: skip
# Titles that take a place, copied: 'Wali Kota Bogor' -> 'Mayor of Bogor'.
LOCAL_ROLES = [
    ("Wali Kota {x}", "Mayor of {x}"), ("Gubernur {x}", "Governor of {x}"),
    ("Kepala Polisi {x}", "{x} Police Chief"), ("Bupati {x}", "{x} Regent"),
    ("Ketua DPRD {x}", "Speaker of the {x} Council"),
]  # fmt: skip
PLAIN_ROLES = [
    ("Juru bicara Kremlin", "Kremlin spokesman"), ("Juru bicara polisi", "Police spokesman"),
    ("Ketua KPK", "KPK chairman"), ("Pemimpin oposisi", "Opposition leader"),
    ("Pelatih tim nasional", "National team coach"), ("Kepala BMKG", "BMKG head"),
]  # fmt: skip
SCALES = [("ribu", "thousand"), ("juta", "million"), ("miliar", "billion"), ("triliun", "trillion")]

# --- the templates -------------------------------------------------------------------
# Slots: {p} {p2} person; {role} {role2} title; {place} {place2}; {country} {country2}
# (the country's name); {adj} (a country's adjective, set with {country}); {n} {n2} a
# number; {big} a number with a scale word; {money}; {mag} a magnitude; {score};
# {day} 'pada Sabtu (24/10)'; {date} 'Sabtu (24/10)'; {month}.

TEMPLATES = [
    ("{role} {p} mengatakan {day} bahwa pemerintah akan membantu para korban banjir.",
     "{role} {p} said {day} that the government will help the flood victims."),
    ("{role} {p} mengumumkan {day} bahwa harga bahan bakar akan naik {n} persen.",
     "{role} {p} announced {day} that fuel prices will rise {n} percent."),
    ("{role} {p} mengunjungi {place} {day}.", "{role} {p} visited {place} {day}."),
    ("{p} bertemu dengan para pengunjuk rasa di {place} {day}.",
     "{p} met with the protesters in {place} {day}."),
    ("Ribuan orang berunjuk rasa di {place} {day} menuntut pengunduran diri {role} {p}.",
     "Thousands of people protested in {place} {day} demanding the resignation of {role} {p}."),
    ("Banjir merendam {n} rumah di {place} {day}.",
     "Floods inundated {n} houses in {place} {day}."),
    ("Sekitar {n} orang mengungsi akibat banjir di {place}.",
     "About {n} people were evacuated because of the floods in {place}."),
    ("Harga beras di {place} naik {n} persen dalam sebulan terakhir.",
     "Rice prices in {place} rose {n} percent in the past month."),
    ("Pengadilan {place} menjatuhkan hukuman {n} tahun penjara kepada {p} {day}.",
     "The {place} court sentenced {p} to {n} years in prison {day}."),
    ("Polisi menangkap {n} orang dalam unjuk rasa di {place}.",
     "Police arrested {n} people during the protest in {place}."),
    ("{p} mencetak gol kemenangan dalam pertandingan di {place} {day}.",
     "{p} scored the winning goal in the match in {place} {day}."),
    ("Tim nasional {country} mengalahkan {country2} dengan skor {score}.",
     "The {adj} national team beat {country2} {score}."),
    ("Menurut {role} {p}, ekonomi {country} tumbuh {n} persen tahun ini.",
     "According to {role} {p}, the economy of {country} grew {n} percent this year."),
    ("{role} {p} menolak tuduhan tersebut.", "{role} {p} rejected the allegations."),
    ("Kementerian Kesehatan melaporkan {n} kasus baru {day}.",
     "The Ministry of Health reported {n} new cases {day}."),
    ("Pemerintah {country} menyiapkan dana sebesar {money} untuk membangun jembatan di {place}.",
     "The {adj} government prepared funds of {money} to build a bridge in {place}."),
    ("Gempa berkekuatan {mag} mengguncang {place} {day}.",
     "An earthquake of magnitude {mag} struck {place} {day}."),
    ("{p} dilantik sebagai {role} {day}.", "{p} was sworn in as {role} {day}."),
    ("Kunjungan {p} ke {place} dilakukan di tengah gelombang unjuk rasa.",
     "The visit of {p} to {place} comes amid a wave of protests."),
    ("{role} {p} berbicara kepada wartawan di {place} {day}.",
     "{role} {p} spoke to reporters in {place} {day}."),
    ("Para pengunjuk rasa menuntut pemerintah menurunkan harga minyak goreng.",
     "The protesters demanded that the government lower cooking oil prices."),
    ("{p} dan {p2} sepakat untuk bekerja sama melawan ancaman dari luar.",
     "{p} and {p2} agreed to work together against external threats."),
    ("Jaksa menuntut {p} dengan hukuman {n} tahun penjara.",
     "Prosecutors demanded a sentence of {n} years in prison for {p}."),
    ("Sidang kasus korupsi {p} akan dilanjutkan {day}.",
     "The corruption trial of {p} will continue {day}."),
    ("Nilai ekspor {country} turun menjadi {money} pada bulan lalu.",
     "Exports of {country} fell to {money} last month."),
    ("Inflasi tahunan mencapai {n} persen pada {month}.",
     "Annual inflation reached {n} percent in {month}."),
    ("{role} {p} tiba di {place} untuk kunjungan dua hari {day}.",
     "{role} {p} arrived in {place} for a two-day visit {day}."),
    ("Sebanyak {n} warga {place} kehilangan tempat tinggal akibat banjir.",
     "As many as {n} residents of {place} lost their homes because of the floods."),
    ("{p} memenangkan medali emas di {place} {day}.", "{p} won the gold medal in {place} {day}."),
    ("Pertandingan antara {country} dan {country2} berakhir imbang.",
     "The match between {country} and {country2} ended in a draw."),
    ("{role} {p} mengundurkan diri setelah unjuk rasa selama {n} hari.",
     "{role} {p} resigned after {n} days of protests."),
    ("Pemerintah {place} menutup {n} sekolah karena banjir.",
     "The {place} government closed {n} schools because of the floods."),
    ("Polisi mengatakan {n} orang tewas dan {n2} orang luka-luka.",
     "Police said {n} people were killed and {n2} people were injured."),
    ("Bank sentral mempertahankan suku bunga di level {n} persen.",
     "The central bank kept interest rates at {n} percent."),
    ("Harga cabai di pasar {place} mencapai Rp {n} per kilogram.",
     "Chili prices at the {place} market reached Rp {n} per kilogram."),
    ("{role} {p} menyatakan tidak akan menyerahkan kekuasaan kepada oposisi.",
     "{role} {p} declared that he would not hand power to the opposition."),
    ("Ia mengatakan situasi di {place} kini sudah aman.",
     "He said the situation in {place} is now safe."),
    ("{p} ditangkap di {place} {day} atas tuduhan korupsi.",
     "{p} was arrested in {place} {day} on corruption charges."),
    ("Mahkamah Agung menolak banding yang diajukan {p}.",
     "The Supreme Court rejected the appeal filed by {p}."),
    ("Lebih dari {n} orang menghadiri pemakaman {p} di {place}.",
     "More than {n} people attended the funeral of {p} in {place}."),
    ("{role} {p} akan mengadakan konferensi pers di {place} {day}.",
     "{role} {p} will hold a press conference in {place} {day}."),
    ("Hujan deras sejak {date} menyebabkan tanah longsor di {place}.",
     "Heavy rain since {date} caused landslides in {place}."),
    ("{p} membantah telah menerima suap sebesar {money}.",
     "{p} denied having received bribes of {money}."),
    ("Penonton memadati stadion di {place} untuk menyaksikan final {day}.",
     "Spectators packed the stadium in {place} to watch the final {day}."),
    ("{role} {p} memperingatkan bahwa {country} siap membela diri.",
     "{role} {p} warned that {country} is ready to defend itself."),
    ("Pemerintah akan memberikan bantuan sebesar {money} kepada {big} keluarga.",
     "The government will provide aid of {money} to {big} families."),
    ("Jumlah pengangguran di {country} mencapai {big} orang.",
     "The number of unemployed in {country} reached {big} people."),
    ("{role} {p} dan {role2} {p2} membahas kerja sama ekonomi di {place}.",
     "{role} {p} and {role2} {p2} discussed economic cooperation in {place}."),
    ("Sementara itu, {p} mengatakan bahwa harga beras akan turun.",
     "Meanwhile, {p} said that rice prices will fall."),
    ("Unjuk rasa di {place} berlangsung damai.", "The protest in {place} was peaceful."),
    ("Polisi memeriksa {p} di {place} {day}.", "Police questioned {p} in {place} {day}."),
    ("Jaksa menuntut {role} {p} {day}.", "Prosecutors charged {role} {p} {day}."),
    ("{p} menemui {role} {p2} di {place}.", "{p} met {role} {p2} in {place}."),
    ("Warga {place} menyambut {role} {p} {day}.",
     "Residents of {place} welcomed {role} {p} {day}."),
    ("{role} {p} mengatakan {country} tidak akan menyerah.",
     "{role} {p} said {country} will not give up."),
    ("Pemerintah {country} menaikkan harga bahan bakar sebesar {n} persen {day}.",
     "The {adj} government raised fuel prices by {n} percent {day}."),
    ("Sekitar {big} orang tinggal di {place}.", "About {big} people live in {place}."),
    ("Kebakaran menghanguskan {n} rumah di {place} {day}.",
     "A fire destroyed {n} houses in {place} {day}."),
]  # fmt: skip

TITLES = [
    ("{role} {p} Kunjungi {place}", "{role} {p} Visits {place}"),
    ("Banjir Rendam {place}, {n} Warga Mengungsi",
     "Floods Inundate {place}, {n} Residents Evacuate"),
    ("Harga Beras Naik {n} Persen", "Rice Prices Rise {n} Percent"),
    ("{p} Divonis {n} Tahun Penjara", "{p} Sentenced to {n} Years in Prison"),
    ("Ribuan Orang Demo di {place}", "Thousands Protest in {place}"),
    ("{country} Kalahkan {country2} {score}", "{country} Beat {country2} {score}"),
    ("Gempa Guncang {place}", "Earthquake Strikes {place}"),
    ("{p} Mundur dari Jabatan {role}", "{p} Resigns as {role}"),
    ("{role} {p} Tolak Tuduhan Korupsi", "{role} {p} Rejects Corruption Allegations"),
    ("{p} Raih Medali Emas di {place}", "{p} Wins Gold Medal in {place}"),
]  # fmt: skip

# Never trained on: new sentences made of words the corpus teaches.
HELD_OUT = [
    ("{role} {p} bertemu dengan {role2} {p2} di {place} {day}.",
     "{role} {p} met with {role2} {p2} in {place} {day}."),
    ("Polisi menangkap {p} di {place} {day}.", "Police arrested {p} in {place} {day}."),
    ("Harga bahan bakar di {place} naik {n} persen {day}.",
     "Fuel prices in {place} rose {n} percent {day}."),
    ("{role} {p} mengatakan {n} orang tewas akibat banjir di {place}.",
     "{role} {p} said {n} people were killed because of the floods in {place}."),
    ("Pengadilan {place} menolak banding yang diajukan {p} {day}.",
     "The {place} court rejected the appeal filed by {p} {day}."),
    ("{p} memenangkan medali emas dalam pertandingan di {place}.",
     "{p} won the gold medal in the match in {place}."),
    ("Sekitar {big} warga {place} berunjuk rasa {day}.",
     "About {big} residents of {place} protested {day}."),
]  # fmt: skip
HELD_OUT_TITLES = [
    ("{p} Ditangkap di {place}", "{p} Arrested in {place}"),
    ("Banjir Rendam {n} Rumah di {place}", "Floods Inundate {n} Houses in {place}"),
]  # fmt: skip

# --- slot values ---------------------------------------------------------------------

# Syllables of made-up names: the common consonants twice, so the names look like names.
_ONSETS = "b c d f g h j k l m n p r s t v w y z b d g k m n p r s t br dr kr pr st tr sh ch kh ny"
_ONSETS = _ONSETS.split()
_VOWELS = "a a a e e i i o o u u ai au ia io".split()
_CODAS = [""] * 6 + "n r s t k l m ng d v".split()


def _word(rng: random.Random, syllables: int) -> str:
    # Closed syllables inside words too (Hen-dra, Pe-ka-lon-gan), as real names have.
    parts = [
        rng.choice(_ONSETS)
        + rng.choice(_VOWELS)
        + (rng.choice(_CODAS) if rng.random() < 0.3 else "")
        for _ in range(syllables)
    ]
    if rng.random() < 0.2:  # some start with a vowel: Andi, Irina, Oleg
        parts[0] = parts[0].lstrip("bcdfghjklmnprstvwyz") or parts[0]
    word = ("".join(parts) + rng.choice(_CODAS)).capitalize()
    return word if len(word) >= 3 else _word(rng, syllables + 1)


# Common Indonesian first and family names put together (not chosen for anyone who bears them:
# the sentences made with them are invented) and real regencies and cities, in the word list
# like any other word: a fifth of the people and places come from here, the rest are made up,
# so that what is learned is to copy names.
PEOPLE = """Budi Santoso, Hendra Gunawan, Rudi Hartanto, Agus Salimin, Siti Rahayu, Dewi Lestari,
Joko Susilo, Bambang Sutrisno, Slamet Riyanto, Wahyu Hidayat, Yusuf Maulana, Andi Saputra,
Rizal Fahmi, Sri Wahyuni, Retno Wulandari, Ahmad Fauzi, Eko Prasetyo, Fajar Nugroho, Indra
Kusuma, Lukman Hakim, Made Wirawan, Nyoman Sudarta, Ketut Suarsana, Putu Astawa, Arief
Rachman, Dedi Kurniawan, Yanti Susanti, Rina Marlina, Taufik Ismail, Hadi Purnomo, Surya
Darma, Teguh Santosa, Iwan Setiawan, Dian Permata, Nur Aini, Heru Wibowo, Yoga Pratama, Anton
Wijaya, Maria Ulfa, Rahmat Hidayat, Sergei Ivanov, Irina Petrova, Oleg Sokolov, Mikhail Volkov,
Anton Petrov, John Miller, Kenji Tanaka, Li Wei, Ahmed Hassan, Pierre Dubois""".split(",")
PEOPLE = [" ".join(name.split()) for name in PEOPLE]
PLACES = """Tegal, Pekalongan, Batang, Brebes, Medan, Binjai, Cianjur, Sleman, Klaten, Magelang,
Kendal, Demak, Jepara, Kudus, Rembang, Blora, Garut, Ciamis, Bandung, Bogor, Bekasi, Depok,
Tangerang, Serang, Cilegon, Semarang, Solo, Yogyakarta, Surabaya, Malang, Kediri, Blitar,
Jember, Banyuwangi, Denpasar, Mataram, Kupang, Makassar, Palu, Manado, Gorontalo, Kendari,
Ambon, Ternate, Jayapura, Sorong, Pontianak, Banjarmasin, Samarinda, Balikpapan, Palangkaraya,
Pekanbaru, Padang, Jambi, Palembang, Bengkulu, Lampung, Aceh, Batam, Minsk""".split(",")
PLACES = [" ".join(name.split()) for name in PLACES]


def person(rng: random.Random) -> str:
    """A name from PEOPLE, or a made-up one of one to three words ('Vlado Kerinev')."""
    if rng.random() < 0.2:
        return rng.choice(PEOPLE)
    return " ".join(_word(rng, rng.choice((2, 2, 3))) for _ in range(rng.choice((1, 2, 2, 2, 3))))


def place(rng: random.Random) -> str:
    """A place from PLACES, or a made-up one of one or two words."""
    if rng.random() < 0.2:
        return rng.choice(PLACES)
    return " ".join(_word(rng, rng.choice((2, 2, 3))) for _ in range(rng.choice((1, 1, 1, 2))))


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Indonesian notation: 200.000


def number(rng: random.Random) -> tuple[str, str]:
    """A number as Indonesian writes it; the English keeps its notation."""
    kind = rng.random()
    if kind < 0.35:
        text = str(rng.randint(2, 999))
    elif kind < 0.7:
        text = _thousands(rng.randint(1, 999) * rng.choice((1000, 100, 10, 1)) + rng.randint(0, 9))
    else:
        text = f"{rng.randint(0, 99)},{rng.randint(1, 99)}"  # a decimal comma: 2,5
    return text, text


def big_number(rng: random.Random) -> tuple[str, str]:
    """'7 juta' -> '7 million', '2,5 miliar' -> '2,5 billion'."""
    base = (
        str(rng.randint(1, 999))
        if rng.random() < 0.6
        else f"{rng.randint(1, 99)},{rng.randint(1, 9)}"
    )
    if rng.random() < 0.3:
        text = _thousands(rng.randint(1, 999) * 1000)
        return text, text
    scale_id, scale_en = rng.choice(SCALES)
    return f"{base} {scale_id}", f"{base} {scale_en}"


def money(rng: random.Random) -> tuple[str, str]:
    amount_id, amount_en = big_number(rng) if rng.random() < 0.7 else number(rng)
    currency = rng.choice(("Rp ", "Rp", "US$ ", "US$"))
    return currency + amount_id, currency + amount_en


def date(rng: random.Random) -> tuple[str, str]:
    """'Sabtu (24/10)' -> 'Saturday (24/10)', sometimes with the year."""
    day_id, day_en = rng.choice(DAYS)
    stamp = f"{rng.randint(1, 31)}/{rng.randint(1, 12)}"
    if rng.random() < 0.3:
        stamp += f"/{rng.randint(1990, 2030)}"
    return f"{day_id} ({stamp})", f"{day_en} ({stamp})"


def role(rng: random.Random) -> tuple[str, str]:
    kind = rng.random()
    if kind < 0.7:
        country_id, adjective, _ = rng.choice(COUNTRIES)
        title_id, title_en = rng.choice(NATIONAL_ROLES)
        if title_id == "Menteri Luar Negeri" and country_id in ("AS", "Amerika Serikat"):
            return f"{title_id} {country_id}", "US Secretary of State"
        return f"{title_id} {country_id}", f"{adjective} {title_en}"
    if kind < 0.9:
        where = place(rng)
        title_id, title_en = rng.choice(LOCAL_ROLES)
        return title_id.format(x=where), title_en.format(x=where)
    return rng.choice(PLAIN_ROLES)


def _lowered_inside(text: str) -> str:
    """A title inside a sentence keeps its capitals ('dilantik sebagai Presiden Rusia'),
    but a plain role's first word does not ('menurut juru bicara polisi')."""
    return (
        text[0].lower() + text[1:] if text.split()[0] in ("Juru", "Pemimpin", "Pelatih") else text
    )


_SLOT = re.compile(r"\{(\w+)\}")


def fill(
    template: tuple[str, str], rng: random.Random, **given: tuple[str, str]
) -> tuple[str, str]:
    """The template with each slot filled (Indonesian, English); `given` fixes slots."""
    source, target = template
    values: dict[str, tuple[str, str]] = dict(given)
    for name in _SLOT.findall(source + target):
        if name in values:
            continue
        base = name.rstrip("0123456789")
        if base == "p":
            value = (who := person(rng), who)
        elif base == "place":
            value = (where := place(rng), where)
        elif base == "role":
            value = role(rng)
        elif base == "country":
            country_id, adjective, country_en = rng.choice(COUNTRIES)
            value = (country_id, country_en)
            if name == "country":  # {adj} is the adjective of {country}
                values["adj"] = (adjective, adjective)
        elif base == "n":
            value = number(rng)
        elif base == "big":
            value = big_number(rng)
        elif base == "money":
            value = money(rng)
        elif base == "mag":
            value = (m := f"{rng.randint(3, 8)},{rng.randint(0, 9)}", m)
        elif base == "score":
            value = (s := f"{rng.randint(0, 5)}-{rng.randint(0, 5)}", s)
        elif base == "day":
            day_id, day_en = date(rng)
            value = (f"pada {day_id}", f"on {day_en}")
        elif base == "date":
            value = date(rng)
        elif base == "month":
            value = rng.choice(MONTHS)
        else:
            raise KeyError(f"unknown slot {{{name}}}")
        values[name] = value

    def put(text: str, side: int) -> str:
        def one(match: re.Match) -> str:
            value = values[match.group(1)][side]
            # Mid-sentence, a plain role is lower case in both languages.
            return (
                _lowered_inside(value)
                if match.start() > 0 and match.group(1).startswith("role")
                else value
            )

        filled = _SLOT.sub(one, text)
        return filled[0].upper() + filled[1:]

    return put(source, 0), put(target, 1)


def _maybe_without_day(template: tuple[str, str], rng: random.Random) -> tuple[str, str]:
    """Half the time a '{day}' adjunct is left out: the model must not need it."""
    if "{day}" in template[0] and rng.random() < 0.4:
        return template[0].replace(" {day}", ""), template[1].replace(" {day}", "")
    return template


_LISTS = [
    ("{p}, {p2} dan {p3}", "{p}, {p2} and {p3}"),
    ("{place}, {place2} dan {place3}", "{place}, {place2} and {place3}"),
    ("{p} di {place}", "{p} in {place}"), ("{role} {p}", "{role} {p}"),
    ("{n}, {n2} dan {big}", "{n}, {n2} and {big}"),
    ("{date}", "{date}"), ("{country} dan {country2}", "{country} and {country2}"),
]  # fmt: skip


# Short aligned phrases: strung together at random they teach which Indonesian words give
# which English ones, whatever sentence they stand in, and that the names between go across.
PHRASES = [
    ("{role} {p}", "{role} {p}"), ("{p}", "{p}"), ("di {place}", "in {place}"),
    ("{day}", "{day}"), ("warga {place}", "residents of {place}"),
    ("{n} orang", "{n} people"), ("{n} rumah", "{n} houses"),
    ("naik {n} persen", "rose {n} percent"),
    ("harga bahan bakar", "fuel prices"), ("harga beras", "rice prices"),
    ("pengadilan {place}", "the {place} court"), ("polisi", "police"),
    ("menangkap {p}", "arrested {p}"), ("bertemu dengan {p}", "met with {p}"),
    ("mengatakan", "said"), ("akibat banjir", "because of the floods"),
    ("menolak banding", "rejected the appeal"), ("yang diajukan {p}", "filed by {p}"),
    ("memenangkan medali emas", "won the gold medal"), ("dalam pertandingan", "in the match"),
    ("sekitar {big}", "about {big}"), ("berunjuk rasa", "protested"), ("tewas", "were killed"),
    ("{p} dan {p2}", "{p} and {p2}"), ("di {place} dan {place2}", "in {place} and {place2}"),
]  # fmt: skip


def frame(text: str) -> str:
    """A template's shape: slots unnumbered, no full stop, lower case."""
    return re.sub(r"\{(\w+?)\d*\}", r"{\1}", text).rstrip(".").lower()


HELD_OUT_FRAMES = [frame(t[0]) for t in HELD_OUT + HELD_OUT_TITLES]


def phrase_soup(rng: random.Random) -> tuple[str, str]:
    """Two to four phrases strung together; never a held-out sentence's frame, nor three
    phrases or more of one (the tests' sentences stay unseen)."""
    while True:
        chosen = [rng.choice(PHRASES) for _ in range(rng.randint(2, 4))]
        source = " ".join(c[0] for c in chosen)
        shape = frame(source)
        if any(f in shape or (len(chosen) > 2 and shape in f) for f in HELD_OUT_FRAMES):
            continue
        return source, " ".join(c[1] for c in chosen)


def parallel(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """`count` (Indonesian, English) training pairs: sentences, strings of aligned phrases,
    titles, and lists of names, numbers and dates (copying them is the skill to learn)."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.5:
            template = _maybe_without_day(rng.choice(TEMPLATES), rng)
        elif kind < 0.62:
            template = phrase_soup(rng)
        elif kind < 0.75:
            template = rng.choice(TITLES)
        else:  # lists of names, places and numbers: copying them is the skill to learn
            template = rng.choice(_LISTS)
        pairs.append(fill(template, rng))
    return pairs


def english_articles(count: int, seed: int = 1) -> list[tuple[str, str]]:
    """(English article, its first sentence) pairs for the summariser: two to five
    sentences from the training templates, some of them shuffled words, so that what is
    learned is 'copy the first sentence', whatever it says."""
    rng = random.Random(seed)
    words = sorted({w for _, en in TEMPLATES for w in _SLOT.sub(" ", en).replace(".", " ").split()})
    articles = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(2, 3)):
            sentence = fill(_maybe_without_day(rng.choice(TEMPLATES), rng), rng)[1]
            if rng.random() < 0.2:  # a sentence of any words, names and numbers
                bag = sentence.rstrip(".").split() + rng.sample(words, 4)
                rng.shuffle(bag)
                sentence = " ".join(bag)
                sentence = sentence[0].upper() + sentence[1:] + "."
            sentences.append(sentence)
        articles.append((" ".join(sentences), sentences[0]))
    return articles

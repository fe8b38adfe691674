"""Legacy code pages: which one a file that is not UTF-8 is read in (tsvcore.reading.encoding).

The issue: Shift-JIS and Windows-1251 files whose text is mostly ASCII (ids,
e-mails, codes) with a few Japanese or Russian names came back as Windows-1252
mojibake, as Big5, or as MAC-CYRILLIC, and search found nothing. The choice is
now made from the runs of non-ASCII bytes of the whole file.

The corpus is made here, not copied: for each code page, tables of the shapes
people upload (mostly ASCII with one column of names; orders; text-heavy ones;
a vocabulary of every word), in its language, written with Python's encoder.
A case is right when the file decodes to the text it was written from: two
code pages may both be right (cp1250 and ISO-8859-2 read most Czech alike),
so texts are compared, not names.
"""
from __future__ import annotations

import codecs
import random
from collections import defaultdict
from pathlib import Path

import pytest

from tsvcore import PageRequest, QueryEngine, Store
from tsvcore.reading.encoding import (
    CHUNK,
    MAX_RUN,
    PRIORS,
    SAMPLE_BUDGET,
    ByteScan,
    Encoding,
    decode_chunks,
    detect,
    legacy_sample,
)

from .test_reader import read

ROOT = Path(__file__).resolve().parent.parent

# -- the words, written for these tests ---------------------------------------------

JA_NAMES = ['山田 太郎', '佐藤 花子', '鈴木 一郎', '高橋 美咲', '田中 健太', '伊藤 さくら', '渡辺 翔', '中村 優子',
            '小林 大輔', '加藤 恵', '吉田 拓也', '山本 由美', '松本 直樹', '井上 真理', '木村 拓哉', '林 修',
            '清水 愛', '斎藤 和也', '山口 葵', '森 結衣']
JA_CITIES = ['東京', '大阪', '京都', '横浜', '名古屋', '札幌', '福岡', '神戸', '仙台', '広島']
JA_TEXT = ['今日はいい天気ですね。', '商品の発送は明日になります。', 'お問い合わせありがとうございます。',
           '会議は午後三時からです。', '在庫があります', '送料無料キャンペーン実施中', 'コーヒーとケーキのセット',
           '東京都新宿区西新宿２丁目８番１号', '【重要】パスワード変更のお知らせ', 'メールアドレスが正しくありません']
JA_HALF_WIDTH = ['ﾔﾏﾀﾞ ﾀﾛｳ', 'ｻﾄｳ ﾊﾅｺ', 'ｽｽﾞｷ ｲﾁﾛｳ', 'ﾀﾅｶ ｹﾝﾀ', 'ｶﾌﾞｼｷｶﾞｲｼｬ ﾐﾗｲ']
ZH_NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄晓明', '周杰', '吴刚', '徐丽', '孙强']
ZH_CITIES = ['北京', '上海', '广州', '深圳', '成都', '杭州', '武汉', '西安', '南京', '重庆']
ZH_TEXT = ['我们明天去北京开会。', '这个产品的质量很好', '请在三天内付款', '客户服务中心', '已发货',
           '退款申请已经处理完毕', '欢迎光临本店！', '订单号码不正确，请重新输入。']
TW_NAMES = ['陳大文', '林志玲', '王小明', '張家豪', '李美玲', '黃國華', '吳淑芬', '劉德華', '蔡英文', '許志明']
TW_CITIES = ['臺北', '高雄', '臺中', '台南', '新竹', '香港', '九龍', '桃園', '基隆', '嘉義']
TW_TEXT = ['我們明天去臺北開會。', '這個產品的品質很好', '請在三天內付款', '客戶服務中心', '已經出貨',
           '謝謝您的訂購！', '歡迎光臨本店', '訂單號碼不正確，請重新輸入。']
KO_NAMES = ['김민준', '이서연', '박지훈', '최수빈', '정예준', '강하은', '조민서', '윤도윤', '장서윤', '임지호']
KO_CITIES = ['서울', '부산', '인천', '대구', '대전', '광주', '수원', '울산', '제주', '창원']
KO_TEXT = ['안녕하세요', '주문이 완료되었습니다.', '배송은 내일 출발합니다', '고객 센터로 문의해 주세요',
           '감사합니다!', '재고가 없습니다', '회원 가입을 환영합니다']
RU_NAMES = ['Иванов Пётр', 'Смирнова Анна', 'Кузнецов Сергей', 'Попова Мария', 'Соколов Дмитрий', 'Лебедева Ольга',
            'Козлов Алексей', 'Новикова Елена', 'Морозов Иван', 'Волкова Татьяна', 'Фёдоров Юрий', 'Щукина Эльвира']
RU_CITIES = ['Москва', 'Санкт-Петербург', 'Новосибирск', 'Екатеринбург', 'Казань', 'Нижний Новгород', 'Самара',
             'Омск', 'Ростов-на-Дону', 'Уфа']
RU_TEXT = ['Заказ отправлен покупателю', 'Оплата прошла успешно', 'Доставка в течение трёх дней',
           'Спасибо за покупку!', 'Товар на складе', 'Ждём вас снова', 'Счёт выставлен, ожидаем оплату.',
           'Объём: 5 л', 'Съешь же ещё этих мягких французских булок, да выпей чаю']
UK_NAMES = ['Шевченко Тарас', 'Коваленко Олена', 'Бондаренко Ігор', 'Ткаченко Юлія', 'Кравченко Євген',
            'Олійник Ірина', 'Мельник Андрій', 'Ґудзь Остап']
UK_CITIES = ['Київ', 'Львів', 'Харків', 'Одеса', 'Дніпро', 'Запоріжжя', 'Вінниця', 'Івано-Франківськ']
UK_TEXT = ['Замовлення відправлено', 'Дякуємо за покупку', 'Доставка протягом трьох днів', 'Їжак і ґанок',
           'Оплата пройшла успішно']
BG_WORDS = ['Георги Димитров', 'София', 'Пловдив', 'Варна', 'Поръчката е изпратена', 'Благодарим ви']
SR_WORDS = ['Јовановић Марко', 'Београд', 'Нови Сад', 'Ниш', 'Хвала на поруџбини', 'Ђорђе Љубић']
PL_WORDS = ['Łódź', 'Kraków', 'Wrocław', 'Gdańsk', 'Poznań', 'Zażółć gęślą jaźń', 'Wojciech Żółkiewski',
            'Małgorzata Wiśniewska', 'Krzysztof Kowalczyk', 'Grzegorz Brzęczyszczykiewicz', 'Agnieszka Dąbrowska',
            'Michał Wójcik', 'Źródło', 'Świętokrzyskie', 'Paweł Łęcki']
CS_WORDS = ['Plzeň', 'Brno', 'Ostrava', 'České Budějovice', 'Ústí nad Labem', 'Hradec Králové',
            'Příliš žluťoučký kůň úpěl ďábelské ódy', 'Jiří Dvořák', 'Tomáš Novák', 'Kateřina Svobodová',
            'Lukáš Černý', 'Petr Procházka', 'Zdeněk Šťastný', 'Růžena Kučerová']
SK_WORDS = ['Bratislava', 'Košice', 'Žilina', 'Ľubomír Šťastný', 'Ďakujeme za objednávku', 'Päť kníh']
HU_WORDS = ['Győr', 'Debrecen', 'Pécs', 'Szőke Ödön', 'árvíztűrő tükörfúrógép', 'Köszönjük a rendelést']
HR_WORDS = ['Đurđa Horvat', 'Čakovec', 'Zagreb', 'Šibenik', 'Ivan Kovačević', 'Hvala na narudžbi', 'Žužemberk']
EL_NAMES = ['Παπαδόπουλος Γιώργος', 'Παπαδοπούλου Μαρία', 'Νικολάου Δημήτρης', 'Γεωργίου Ελένη',
            'Αλεξίου Κώστας', 'Βασιλείου Άννα', 'Ιωάννου Νίκος', 'Οικονόμου Σοφία']
EL_CITIES = ['Αθήνα', 'Θεσσαλονίκη', 'Πάτρα', 'Ηράκλειο', 'Άρτα', 'Έδεσσα', 'Ωραιόκαστρο', 'Βόλος']
EL_TEXT = ['Ευχαριστούμε για την παραγγελία', 'Η παραγγελία σας στάλθηκε', 'Καλημέρα σας!',
           'Η πληρωμή ολοκληρώθηκε', 'Ξεσκεπάζω την ψυχοφθόρα βδελυγμία']
HE_WORDS = ['כהן', 'לוי', 'מזרחי', 'פרץ', 'ביטון', 'אברהם', 'תל אביב', 'ירושלים', 'חיפה', 'באר שבע',
            'תודה על ההזמנה', 'המשלוח יגיע מחר', 'דוד כהן', 'שרה לוי']
AR_WORDS = ['محمد', 'أحمد', 'علي', 'فاطمة', 'القاهرة', 'الرياض', 'دبي', 'بيروت', 'عمان', 'شكرا لطلبك',
            'تم شحن الطلب', 'خدمة العملاء', 'محمد عبد الله', 'سارة حسن']
FR = ['crème brûlée', 'Hélène Dubois', 'François Lefèvre', 'Noël', 'Besançon', 'Orléans', 'naïve', 'déjà vu',
      'l’été à Paris', '« Bonjour »', 'Où est la gare ?', 'Cœur de bœuf', 'Ça va très bien']
DE = ['Zürich', 'München', 'Köln', 'Düsseldorf', 'Jürgen Müller', 'Straße', 'Größe', 'Grüße aus Österreich',
      'Fußball', 'Bäckerei Schäfer', 'Übersee']
ES = ['José García', 'Núñez', '¿Dónde está?', '¡Olé!', 'Málaga', 'Córdoba', 'Peña', 'año', 'Ibáñez']
PT = ['São Paulo', 'João', 'Conceição', 'Não há ações', 'Gonçalves', 'Maranhão', 'Brasília']
NORDIC = ['Ærøskøbing', 'Åsa Ångström', 'Søren Kierkegaard', 'Tromsø', 'Göteborg', 'Malmö', 'Jökull',
          'Þór Guðmundsson', 'Ø', 'Bjørn', 'Ålesund']
IT = ['perché', 'città', 'Niccolò', 'caffè', 'lunedì', 'più', 'Forlì']
SYMBOLS = ['€ 5', '£12', '© 2024', '25 °C', '“smart quotes”', 'well – done', 'wait…', 'Brand™', '½ price', '€5,00',
           '± 3', 'x² + y²', '§ 12', '• item', 'µg']
WESTERN_MORE = [
    'Smørrebrød', 'Ísland', 'Reykjavík', "l'Hospitalet de Llobregat · Catalunya", 'Gràcia', 'Citroën', 'Curaçao',
    'Müller-Lüdenscheidt', 'Œuvre complète', 'Saint-Étienne', 'Île-de-France', 'Genève', 'Zoë', 'Chloé',
    'Pokémon', 'jalapeño', 'résumé', 'Ibiza – España', '5 m²', '±0,5 mm', '10 µm', '½ kg', '© ACME GmbH',
    'ACME®', 'Widget™', '25°C', '„Anführungszeichen“', '‚einfach‘', '‹ un ›', '§ 3 Abs. 2', '1ª edición', 'Nº 5',
    'ÉCOLE', 'GARÇON', 'SÃO PAULO', 'ØRESUND', 'Fjällräven', 'Mötley Crüe', 'Björk Guðmundsdóttir', 'Þingvellir',
    'façade', 'Ñandú', 'Açaí', 'Sœur', 'a×b', '3÷4', '€1.000', '£ 20', '¥500', '¢', '¼', '¾ cup', '…', '—', 'Ø 12 mm',
    '°', 'µ', '¿Qué?', 'don’t', '“Hello,” she said', 'Crème Brûlée — €6', 'Köln–Bonn', 'Èze', 'À bientôt', 'Ça',
    'Ávila', 'Íñigo', 'Ó Súilleabháin', 'Wörthersee', 'tête-à-tête', 'Brontë', 'coöperation', 'ß', 'é', 'à', 'ñ',
]
WESTERN = FR + DE + ES + PT + NORDIC + IT + SYMBOLS

EMAIL_USERS = ['yamada', 'sato', 'suzuki', 'tanaka', 'ito', 'zhang', 'wang', 'li', 'chen', 'kim', 'lee', 'park',
               'ivanov', 'petrov', 'smith', 'novak', 'nowak', 'papadopoulos', 'info', 'sales']

# language: (the code page it is written in, names, places, sentences)
LANGUAGES: dict[str, tuple[str, list[str], list[str], list[str]]] = {
    'Japanese': ('cp932', JA_NAMES, JA_CITIES, JA_TEXT),
    'Japanese half-width': ('cp932', JA_HALF_WIDTH, JA_CITIES, JA_TEXT),
    'Chinese': ('gb18030', ZH_NAMES, ZH_CITIES, ZH_TEXT),
    'Chinese traditional': ('cp950', TW_NAMES, TW_CITIES, TW_TEXT),
    'Korean': ('cp949', KO_NAMES, KO_CITIES, KO_TEXT),
    'Russian': ('cp1251', RU_NAMES, RU_CITIES, RU_TEXT),
    'Ukrainian': ('cp1251', UK_NAMES, UK_CITIES, UK_TEXT),
    'Bulgarian': ('cp1251', BG_WORDS, BG_WORDS, BG_WORDS),
    'Serbian': ('cp1251', SR_WORDS, SR_WORDS, SR_WORDS),
    'Russian KOI8': ('koi8_r', RU_NAMES, RU_CITIES, RU_TEXT),
    'Polish ISO': ('iso8859_2', PL_WORDS, PL_WORDS, PL_WORDS),
    'Czech ISO': ('iso8859_2', CS_WORDS, CS_WORDS, CS_WORDS),
    'Hungarian ISO': ('iso8859_2', HU_WORDS, HU_WORDS, HU_WORDS),
    'Polish 1250': ('cp1250', PL_WORDS, PL_WORDS, PL_WORDS),
    'Czech 1250': ('cp1250', CS_WORDS, CS_WORDS, CS_WORDS),
    'Slovak 1250': ('cp1250', SK_WORDS, SK_WORDS, SK_WORDS),
    'Croatian 1250': ('cp1250', HR_WORDS, HR_WORDS, HR_WORDS),
    'Greek ISO': ('iso8859_7', EL_NAMES, EL_CITIES, EL_TEXT),
    'Greek 1253': ('cp1253', EL_NAMES, EL_CITIES, EL_TEXT),
    'Hebrew': ('cp1255', HE_WORDS, HE_WORDS, HE_WORDS),
    'Arabic': ('cp1256', AR_WORDS, AR_WORDS, AR_WORDS),
    'French': ('cp1252', FR, FR, FR), 'German': ('cp1252', DE, DE, DE), 'Spanish': ('cp1252', ES, ES, ES),
    'Portuguese': ('cp1252', PT, PT, PT), 'Nordic': ('cp1252', NORDIC, NORDIC, NORDIC),
    'Italian': ('cp1252', IT, IT, IT), 'Western symbols': ('cp1252', SYMBOLS, SYMBOLS, SYMBOLS),
}

# A word alone in a file can be too little to tell code pages apart; these are
# the words of the corpus that are, and what they are read as. None is a table
# of several different words.
AMBIGUOUS = {
    # Each reads as real Western letters in Windows-1252 (ò, õ, È, Ð ð, ê, Ï), in
    # a word a Western language could write; nothing else in the file says
    # otherwise, so the default stands.
    'Plzeň': 'cp1252', 'Győr': 'cp1252', 'Čakovec': 'cp1252', 'Đurđa Horvat': 'cp1252',
    'Grzegorz Brzęczyszczykiewicz': 'cp1252', 'Ďakujeme za objednávku': 'cp1252',
    # Four or six bytes that are two or three frequent characters in more than
    # one CJK code page (or, for 札幌 and 武汉, a plausible Windows-1252 or -1251 reading).
    '札幌': 'cp1252', '武汉': 'cp1251', '基隆': 'gb18030', '高雄': 'gb18030', '黃國華': 'gb18030',
    # Two runs of four half-width katakana: each is also two GB2312 hanzi.
    'ｽｽﾞｷ ｲﾁﾛｳ': 'gb18030',
    # Three Hebrew letters are three capitals in KOI8-R.
    'כהן': 'koi8_r', 'פרץ': 'koi8_r',
}


def tables(language: str, seed: int) -> list[tuple[str, str, set[str]]]:
    """(shape, text, its non-ASCII words) for the tables of one language."""
    codec, names, places, sentences = LANGUAGES[language]
    rng = random.Random(f'{language}-{seed}')
    made: list[tuple[str, list[str], list[str]]] = []
    for n in (1, 3, 20, 300):   # mostly ASCII: ids, a name, an e-mail
        used = [rng.choice(names) for _ in range(n)]
        rows = ['id,name,email'] + [f'{i},{name},{rng.choice(EMAIL_USERS)}{i}@example.com'
                                    for i, name in enumerate(used, 1)]
        made.append((f'ascii-heavy-{n}', rows, used))
    for n in (5, 200):          # orders: codes, numbers, dates and a customer
        used = [rng.choice(names) for _ in range(n)]
        rows = ['order_id\tsku\tqty\tprice\tcustomer\tcreated'] + [
            f'A{1000 + i}\tSKU-{rng.randrange(10 ** 5):05d}\t{rng.randrange(1, 9)}\t{rng.randrange(100, 99999) / 100}'
            f'\t{name}\t2024-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}' for i, name in enumerate(used)]
        made.append((f'orders-{n}', rows, used))
    for n in (4, 60):           # text-heavy: every column in the language
        picked = [(rng.choice(names), rng.choice(places), rng.choice(sentences)) for _ in range(n)]
        rows = ['name;city;note'] + [';'.join(cells) for cells in picked]
        made.append((f'text-heavy-{n}', rows, [cell for cells in picked for cell in cells]))
    vocabulary = sorted(set(names + places + sentences))
    rows = ['code,label'] + [f'C{i:03d},"{word}"' for i, word in enumerate(vocabulary)]
    made.append(('vocabulary', rows, vocabulary))
    out = []
    for shape, rows, used in made:
        newline = '\r\n' if shape.startswith('ascii') else '\n'
        text = newline.join(rows) + newline
        assert text.encode(codec).decode(codec) == text, (language, shape)
        out.append((shape, text, {word for word in used if not word.encode(codec).isascii()}))
    return out


def detected(tmp_path: Path, data: bytes) -> tuple[Encoding, str]:
    """The encoding ``detect`` decides for these bytes, and the text the reader then makes of them."""
    path = tmp_path / 'upload.bin'
    path.write_bytes(data)
    encoding = detect(ByteScan.of_file(path), path)
    return encoding, ''.join(decode_chunks(path, encoding))


# -- the issue's file and its kind ------------------------------------------------------

C06A = (b'id,name,email\r\n1,\x8eR\x93c,yamada@example.com\r\n2,\x8d\xb2\x93\xa1,sato@example.com\r\n'
        b'3,\x97\xe9\x96\xd8,suzuki@example.com\r\n')


def test_the_issues_example_is_shift_jis(tmp_path):
    data = b'id,name,email\r\n1,' + bytes.fromhex('8E 52 93 63') + b',yamada@example.com\r\n'
    encoding, text = detected(tmp_path, data)
    assert encoding.codec == 'cp932' and encoding.label == 'Shift-JIS (cp932)'
    assert text == 'id,name,email\r\n1,山田,yamada@example.com\r\n'


def test_the_realworld_shift_jis_file_reads_its_japanese_names(tmp_path):
    shared = ROOT.parent / 'shared' / 'realworld' / 'c06a_sjis_ascii_heavy.csv'
    if shared.exists():
        assert shared.read_bytes() == C06A   # reproduced byte for byte
    encoding, text = detected(tmp_path, C06A)
    assert encoding.codec == 'cp932'
    assert text.splitlines()[1:] == ['1,山田,yamada@example.com', '2,佐藤,sato@example.com',
                                     '3,鈴木,suzuki@example.com']


def test_a_shift_jis_upload_is_found_by_search(tmp_path):
    rows = [f'{i},{name},{user}{i}@example.com' for i, (name, user) in
            enumerate(zip(JA_NAMES * 5, EMAIL_USERS * 5), 1)]
    data = ('id,name,email\r\n' + '\r\n'.join(rows) + '\r\n').encode('cp932')
    src = tmp_path / 'src.csv'
    src.write_bytes(data)
    store = Store(tmp_path / 'data')
    meta = store.create(src, 'customers.csv')
    assert meta['encoding'] == 'Shift-JIS (cp932)' and 'Read as Shift-JIS (cp932).' in meta['warnings']
    page = QueryEngine(store).page(meta['id'], PageRequest(q='山田'))
    assert page.total == 5 and all(row[1] == '山田 太郎' for row in page.rows)
    (tmp_path / 'again').mkdir()
    meta, table, names = read(tmp_path / 'again', data)
    assert names == ['id', 'name', 'email'] and table[1] == ['2', '佐藤 花子', 'sato2@example.com']


# -- accuracy over the corpus -------------------------------------------------------------

def test_every_table_of_the_corpus_reads_as_written(tmp_path):
    """Every table of every language, in several draws, decodes to its text: a table of one ambiguous word aside."""
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    wrong, excused = [], []
    for seed in range(5):
        for language, (codec, *_) in LANGUAGES.items():
            for shape, text, words in tables(language, seed):
                encoding, decoded = detected(tmp_path, text.encode(codec))
                misread = {word for word in words if word not in decoded}
                case = f'{language} {shape} (draw {seed}): read as {encoding.label}'
                if decoded == text:
                    right[codec] += 1
                elif misread and misread <= set(AMBIGUOUS):
                    excused.append(f'{case}, its only words {sorted(misread)} being ambiguous')
                else:
                    wrong.append(f'{case}: {decoded[:80]!r}')
                total[codec] += 1
    report = '\n'.join(f'{codec:10} {right[codec]:4} / {total[codec]:4}' for codec in total)
    print('\nright per code page (tables)\n' + report + '\n' + '\n'.join(excused))
    assert not wrong, '\n'.join(wrong)


def test_every_word_alone_in_a_file_reads_as_written_but_the_documented_few(tmp_path):
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    wrong = []
    ambiguous = {}
    for language, (codec, names, places, sentences) in LANGUAGES.items():
        for word in sorted(set(names + places + sentences)):
            text = f'id,name\r\n1,{word}\r\n'
            if text.encode(codec).isascii():
                continue
            encoding, decoded = detected(tmp_path, text.encode(codec))
            total[codec] += 1
            if decoded == text:
                right[codec] += 1
            elif word in AMBIGUOUS:
                ambiguous[word] = encoding.codec
            else:
                wrong.append(f'{language} {word!r}: read as {encoding.label}: {decoded!r}')
    report = '\n'.join(f'{codec:10} {right[codec]:4} / {total[codec]:4}' for codec in total)
    print('\nright per code page (one word alone)\n' + report)
    assert not wrong, '\n'.join(wrong)
    assert ambiguous == {word: codec for word, codec in AMBIGUOUS.items() if word in ambiguous}


# -- Western text stays Windows-1252 ---------------------------------------------------------

@pytest.mark.parametrize('word', WESTERN + WESTERN_MORE)
def test_western_text_in_an_ascii_file_stays_windows_1252(tmp_path, word):
    for text in (f'id,name\r\n1,{word}\r\n', ''.join(f'{i},{word},user{i}@example.com\n' for i in range(50))):
        encoding, decoded = detected(tmp_path, text.encode('cp1252'))
        assert encoding.codec == 'cp1252' and encoding.label == 'Windows-1252' and decoded == text


@pytest.mark.parametrize('data', [b'caf\xe9', b'id,name\n1,caf\xe9\n', b'id\tname\r\n1\tcaf\xe9\r\n'])
def test_a_single_high_byte_is_windows_1252(tmp_path, data):
    encoding, text = detected(tmp_path, data)   # even at the very end, where UTF-8 would still wait for more
    assert encoding.codec == 'cp1252' and not encoding.strays and 'café' in text


def test_a_short_legacy_file_is_not_taken_for_mostly_utf8(tmp_path):
    # 대구 in cp949 is B4 EB B1 B8: a byte that is not UTF-8, then one valid UTF-8 character (뱸).
    text = 'id,city\r\n1,대구\r\n'
    encoding, decoded = detected(tmp_path, text.encode('cp949'))
    assert encoding.codec == 'cp949' and decoded == text


def test_a_western_table_of_many_languages_stays_windows_1252(tmp_path):
    text = ''.join(f'{i},{word}\n' for i, word in enumerate(WESTERN + WESTERN_MORE))
    assert detected(tmp_path, text.encode('cp1252'))[0].codec == 'cp1252'


# -- Central European, Cyrillic and Greek code pages told apart -------------------------------

@pytest.mark.parametrize('codec', ['iso8859_2', 'cp1250'])
@pytest.mark.parametrize('word', ['Łódź', 'žluťoučký kůň', 'Zażółć gęślą jaźń', 'Jiří Dvořák', 'Wrocław',
                                  'árvíztűrő tükörfúrógép', 'Ivan Kovačević'])
def test_latin_2_when_its_letters_say_so(tmp_path, codec, word):
    text = f'id,city\n1,{word}\n2,Brno\n'
    encoding, decoded = detected(tmp_path, text.encode(codec))
    assert encoding.codec in ('iso8859_2', 'cp1250') and decoded == text


@pytest.mark.parametrize('codec', ['iso8859_2', 'cp1250'])
def test_letters_latin_2_and_windows_1252_share_read_the_same_either_way(tmp_path, codec):
    text = 'id,city\n1,Kraków\n2,Pécs\n3,Košice\n'
    assert detected(tmp_path, text.encode(codec))[1] == text


def test_an_ambiguous_letter_stays_windows_1252(tmp_path):
    # é is é in both; ň in Plzeň is ò in Windows-1252, a letter Italian ends words with.
    assert detected(tmp_path, 'id,name\n1,é\n'.encode('iso8859_2'))[0].codec == 'cp1252'
    assert detected(tmp_path, 'id,city\n1,Plzeň\n'.encode('cp1250'))[0].codec == 'cp1252'


@pytest.mark.parametrize('words', [RU_NAMES, RU_CITIES, ['ИВАНОВ ПЁТР', 'СМИРНОВА АННА', 'ООО РОМАШКА']])
def test_koi8_r_and_windows_1251_are_told_apart(tmp_path, words):
    text = ''.join(f'{i},{word},x{i}@example.com\n' for i, word in enumerate(words))
    for codec in ('cp1251', 'koi8_r'):
        encoding, decoded = detected(tmp_path, text.encode(codec))
        assert encoding.codec == codec and decoded == text


def test_greek_in_iso_8859_7_and_windows_1253(tmp_path):
    # Ά is 0xB6 in ISO-8859-7 and 0xA2 in Windows-1253; the rest of Greek is alike.
    text = 'id,name\n1,Βασιλείου Άννα\n2,Άρτα\n3,Αθήνα\n'
    for codec in ('iso8859_7', 'cp1253'):
        encoding, decoded = detected(tmp_path, text.encode(codec))
        assert encoding.codec == codec and decoded == text


def test_cjk_code_pages_are_told_apart(tmp_path):
    for codec, words in (('cp932', JA_NAMES), ('gb18030', ZH_NAMES), ('cp950', TW_NAMES), ('cp949', KO_NAMES)):
        text = ''.join(f'{i},{word},x{i}@example.com\n' for i, word in enumerate(words))
        encoding, decoded = detected(tmp_path, text.encode(codec))
        assert encoding.codec == codec and decoded == text


# -- where in the file, and how much of it -------------------------------------------------

@pytest.mark.parametrize('codec, word', [('cp932', '山田 太郎'), ('cp1251', 'Иванов Пётр'), ('cp949', '김민준')])
def test_non_ascii_text_only_after_the_first_64_kb_is_found(tmp_path, codec, word):
    head = ''.join(f'{i},John Smith,user{i}@example.com\n' for i in range(3_000))
    assert len(head) > 64 * 1024
    text = 'id,name,email\n' + head + f'3000,{word},x@example.com\n'
    encoding, decoded = detected(tmp_path, text.encode(codec))
    assert encoding.codec == codec and decoded == text


def test_a_character_across_a_chunk_edge_is_not_cut(tmp_path):
    line = 'x' * 99 + '\n'
    pad = line * (CHUNK // len(line)) + 'y' * (CHUNK % len(line) - 1)
    text = pad + '山田 太郎\n'
    data = text.encode('cp932')
    assert data[CHUNK - 1:CHUNK + 1] == '山'.encode('cp932')   # its first byte in one chunk, its second in the next
    path = tmp_path / 'edge.csv'
    path.write_bytes(data)
    assert legacy_sample(path).decode('cp932') == '\n' + 'y' * 12 + '山田\n太郎\n'   # whole, with its word's letters
    encoding, decoded = detected(tmp_path, data)
    assert encoding.codec == 'cp932' and decoded == text


def test_a_file_of_several_megabytes_is_judged_on_a_bounded_sample_spread_over_it(tmp_path):
    rng = random.Random(7)
    syllables = ['ка', 'ло', 'ми', 'ра', 'ну', 'се', 'во', 'ди', 'ша', 'ре', 'то', 'па', 'ан', 'ов', 'ин', 'ев']

    def name() -> str:
        return ''.join(rng.choice(syllables) for _ in range(rng.randrange(2, 5))).capitalize()

    rows = [f'{i},{name()} {name()},{rng.choice(RU_CITIES[:-1])},user{i}@example.com' for i in range(120_000)]
    rows += [f'{i},{name()} {name()},Владивосток,user{i}@example.com' for i in range(120_000, 160_000)]
    data = ('id,name,city,email\n' + '\n'.join(rows) + '\n').encode('cp1251')
    assert len(data) > 6_000_000
    path = tmp_path / 'big.csv'
    path.write_bytes(data)
    sample = legacy_sample(path)
    assert len(sample) <= SAMPLE_BUDGET + MAX_RUN                # looked at: a bounded amount,
    assert 'Владивосток'.encode('cp1251') in sample             # taken from all over the file
    encoding, _ = detected(tmp_path, data)
    assert encoding.codec == 'cp1251'


def test_euc_jp_text_with_kana_is_euc_jp(tmp_path):
    # Kanji alone do not tell EUC-JP from GB2312 (the same bytes are frequent
    # characters in both; such a file reads as GB18030); kana do.
    text = ''.join(f'{i};{name};{sentence}\n' for i, (name, sentence) in enumerate(zip(JA_NAMES, JA_TEXT * 2)))
    encoding, decoded = detected(tmp_path, text.encode('euc_jp'))
    assert encoding.codec == 'euc_jp' and encoding.label == 'EUC-JP' and decoded == text


# -- names and decoders ------------------------------------------------------------------

def test_every_candidate_has_a_decoder_and_a_name_a_person_knows():
    labels = {'cp1252': 'Windows-1252', 'cp1250': 'Windows-1250', 'iso8859_2': 'ISO-8859-2', 'cp1251': 'Windows-1251',
              'koi8_r': 'KOI8-R', 'cp1253': 'Windows-1253', 'iso8859_7': 'ISO-8859-7', 'cp1255': 'Windows-1255',
              'cp1256': 'Windows-1256', 'cp932': 'Shift-JIS (cp932)', 'gb18030': 'GB18030', 'cp950': 'Big5 (cp950)',
              'cp949': 'EUC-KR (cp949)', 'euc_jp': 'EUC-JP'}
    assert set(PRIORS) == set(labels)
    for codec, label in labels.items():
        codecs.getincrementaldecoder(codec)()
        assert Encoding(codec).label == label

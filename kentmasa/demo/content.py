"""What the demo's cases say: Adana's categories and their Turkish texts, the police 155 texts, and the
invented people, streets and phone prefixes the demo draws from (see kentmasa.demo.loader).

Every text here is written for the demo; none is a real citizen's application.
"""

from dataclasses import dataclass

from kentmasa.cases.models import Channel, Kind, Priority


@dataclass(frozen=True)
class Topic:
    """A category of Adana and what its cases look like."""

    key: str
    name: str
    service: str  # key into ADANA_SERVICES
    keywords: str
    kind: str = Kind.COMPLAINT
    weight: int = 4  # how often it comes up
    priority: int = Priority.NORMAL
    mode: str = "general"  # "general", "on_the_spot" (answered during the call), "redirect" (another body's)
    redirect_to: str = ""
    unit: str = ""  # when not the service's unit
    misrouted_to: str = ""  # a unit an operator plausibly sends it to first (for transfer stories)
    duplicates: bool = False  # several people report the same thing (burst pipe, fallen tree)
    channels: str = "default"
    # (subject, description); {mahalle} {street} {street2} {no} {landmark} {hour} are filled in
    texts: tuple[tuple[str, str], ...] = ()
    resolutions: tuple[str, ...] = ()
    rejection: str = ""


GENERIC_REJECTION = (
    "Yerinde yapılan incelemede talep konusu alanın özel mülkiyet sınırları içinde kaldığı tespit "
    "edilmiştir; belediyemizin müdahale yetkisi bulunmamaktadır."
)

TOPICS: tuple[Topic, ...] = (
    Topic(
        "cukur",
        "Yol çukuru / bozuk asfalt",
        "yol",
        "çukur asfalt yama bozuk yol tümsek",
        weight=9,
        texts=(
            (
                "Yolda derin çukur var",
                "{mahalle} {street} üzerinde, {no} numaralı binanın önünde derin bir çukur oluştu. Araçlar "
                "çukura girmemek için karşı şeride geçiyor, gece hiç görünmüyor.",
            ),
            (
                "Kazıdan sonra asfalt kapatılmadı",
                "{street} üzerinde yapılan kazı çalışmasından sonra yol kapatılmadı, asfalt bozuk kaldı. "
                "Yağmurda su birikiyor, yama yapılmasını istiyoruz.",
            ),
            (
                "Sokağın asfaltı çok kötü",
                "{mahalle} {street} baştan sona çukurlarla dolu. Araçların altı vuruyor, yaşlılar yürürken "
                "düşüyor. Sokağın asfaltlanmasını talep ediyorum.",
            ),
        ),
        resolutions=(
            "Ekiplerimizce çukur sıcak asfalt yama ile kapatılmıştır.",
            "Sokakta bozulan bölümlere asfalt yama yapılmış, yol trafiğe uygun hâle getirilmiştir.",
        ),
    ),
    Topic(
        "cokme",
        "Yol çökmesi (tehlikeli)",
        "yol_acil",
        "çökme göçük tehlikeli çukur obruk rögar",
        kind=Kind.TIP_OFF,
        weight=3,
        priority=Priority.HIGH,
        duplicates=True,
        texts=(
            (
                "Yolda çökme oluştu, tehlikeli",
                "{street} ile {street2} kesişiminde yol çöktü, yaklaşık bir metre genişliğinde bir boşluk "
                "var. Etrafında hiçbir uyarı işareti yok, acil müdahale gerekiyor.",
            ),
            (
                "Rögar çevresinde yol göçtü",
                "{mahalle} {street} üzerinde rögar kapağının çevresindeki asfalt göçtü. Bir araç tekerleğini"
                " boşluğa düşürdü, kaza olmadan önlem alınmalı.",
            ),
        ),
        resolutions=("Çöken bölüm aynı gün şeritle çevrilmiş, dolgu ve asfalt yapılarak kapatılmıştır.",),
    ),
    Topic(
        "kaldirim",
        "Kaldırım ve bordür onarımı",
        "yol",
        "kaldırım bordür parke taş",
        texts=(
            (
                "Kaldırım taşları yerinden çıkmış",
                "{street} üzerinde, {landmark} önündeki kaldırım taşları yerinden oynamış. Bebek arabasıyla "
                "geçmek mümkün değil.",
            ),
            (
                "Kırık bordür taşları",
                "{mahalle} {street} {no} önündeki bordür taşları kırıldı, yolun kenarı dağıldı.",
            ),
        ),
        resolutions=("Kaldırımdaki bozuk parke taşları yenilenmiş, bordürler onarılmıştır.",),
    ),
    Topic(
        "kasis",
        "Kasis / hız kesici talebi",
        "yol",
        "kasis hız kesici tümsek okul önü",
        kind=Kind.REQUEST,
        weight=2,
        misrouted_to="Zabıta Dairesi Başkanlığı",
        texts=(
            (
                "Okul önüne kasis yapılmasını istiyoruz",
                "{mahalle} {street} üzerindeki {landmark} önünde araçlar çok hızlı geçiyor. Çocukların "
                "güvenliği için kasis ya da hız kesici yapılmasını rica ediyoruz.",
            ),
        ),
        resolutions=("Ulaşım Koordinasyon Merkezi (UKOME) onayıyla okul önüne iki adet kasis yapılmıştır.",),
        rejection="Talep edilen yol ana arter niteliğinde olduğundan UKOME kararı gereği kasis "
        "yapılamamaktadır; yaya geçidi ve uyarı levhası konulması için çalışma başlatılmıştır.",
    ),
    Topic(
        "lamba",
        "Sokak lambası arızası",
        "aydinlatma",
        "sokak lambası aydınlatma direk karanlık yanmıyor",
        weight=3,
        mode="redirect",
        redirect_to="Toroslar Elektrik Dağıtım A.Ş. (186 Arıza Hattı)",
        texts=(
            (
                "Sokak lambası yanmıyor",
                "{mahalle} {street} üzerindeki {no} numaralı binanın karşısındaki sokak lambası bir haftadır"
                " yanmıyor, sokak zifiri karanlık.",
            ),
            (
                "Sokaktaki lambaların hepsi arızalı",
                "{street} boyunca lambaların hiçbiri yanmıyor. Akşamları kadınlar ve çocuklar sokağa çıkmaya"
                " korkuyor.",
            ),
        ),
    ),
    Topic(
        "park_lamba",
        "Park aydınlatması arızası",
        "aydinlatma",
        "park aydınlatma ışık direk",
        weight=2,
        misrouted_to="Park Bakım ve Onarım Şube Müdürlüğü",
        texts=(
            (
                "Parkın ışıkları yanmıyor",
                "{mahalle} içindeki parkın aydınlatma direkleri akşamları yanmıyor. Park karanlıkta kalıyor,"
                " gençler toplanıyor.",
            ),
        ),
        resolutions=(
            "Parktaki arızalı armatürler ve sigorta panosu yenilenmiş, aydınlatma çalışır durumdadır.",
        ),
    ),
    Topic(
        "park",
        "Park bakımı ve temizliği",
        "park",
        "park bakım çim bank çeşme",
        texts=(
            (
                "Parkın bakımı yapılmıyor",
                "{mahalle} {street} yanındaki parkta çimler kurudu, banklar kırık, çöp kutuları dolup "
                "taşıyor. Bakım yapılmasını istiyoruz.",
            ),
            ("Parktaki çeşme çalışmıyor", "{landmark} yanındaki parkın çeşmesi bozuk, çocuklar su içemiyor."),
        ),
        resolutions=("Parkın çim biçimi, sulaması ve bank onarımı yapılmış, çeşme tamir edilmiştir.",),
    ),
    Topic(
        "oyun",
        "Oyun grubu / spor aleti arızası",
        "park",
        "salıncak kaydırak oyun grubu spor aleti",
        weight=3,
        texts=(
            (
                "Salıncak kırık, çocuklar için tehlikeli",
                "{mahalle} parkındaki salıncakların zinciri koptu, kaydırağın basamağı kırık. Çocuklar "
                "yaralanmadan onarılmalı.",
            ),
            (
                "Spor aletleri arızalı",
                "{street} yanındaki parkta yürüyüş bandı ve pedal aleti kırık durumda, kullanılamıyor.",
            ),
        ),
        resolutions=("Kırık oyun elemanları sökülerek yenileri takılmıştır.",),
    ),
    Topic(
        "agac",
        "Ağaç budama",
        "agac",
        "ağaç budama dal",
        kind=Kind.REQUEST,
        texts=(
            (
                "Ağaç budama talebi",
                "{street} {no} önündeki ağacın dalları elektrik tellerine ve evimizin penceresine değiyor. "
                "Budanmasını talep ediyorum.",
            ),
            (
                "Ağaç dalları sokak lambasını kapatıyor",
                "{mahalle} {street} üzerindeki ağaçlar çok büyüdü, lambaların ışığını kapatıyor. Budama "
                "yapılmasını rica ederiz.",
            ),
        ),
        resolutions=("Ağaç budama ekibimizce gerekli budama yapılmış, dallar alandan kaldırılmıştır.",),
        rejection="Budama, ağaçların sağlığı için uygun dönem olan kış aylarında (Aralık–Şubat) programa "
        "alınacaktır; tehlike arz eden bir durum tespit edilmemiştir.",
    ),
    Topic(
        "devrik_agac",
        "Devrilen / tehlikeli ağaç",
        "agac",
        "devrilen ağaç kırık dal tehlike fırtına",
        kind=Kind.TIP_OFF,
        weight=2,
        priority=Priority.HIGH,
        duplicates=True,
        misrouted_to="Yol Bakım Şube Müdürlüğü",
        texts=(
            (
                "Rüzgârda devrilen ağaç yolu kapattı",
                "Dün akşamki fırtınada {street} üzerinde büyük bir okaliptüs ağacı devrildi, yolun yarısını "
                "kapatıyor. Araçlar geçemiyor.",
            ),
            (
                "Çürük ağaç devrilmek üzere",
                "{landmark} yanındaki ağacın gövdesi çürümüş, yana yatmış durumda. Her an park hâlindeki "
                "araçların üzerine devrilebilir.",
            ),
        ),
        resolutions=("Devrilen ağaç kesilerek yoldan kaldırılmış, yol trafiğe açılmıştır.",),
    ),
    Topic(
        "cop",
        "Çöp toplanmaması",
        "temizlik",
        "çöp toplanmadı çöp kamyonu koku",
        weight=8,
        duplicates=True,
        texts=(
            (
                "Çöpler üç gündür alınmadı",
                "{mahalle} {street} üzerindeki konteynerlerin çöpleri üç gündür toplanmadı. Sıcakta koku "
                "dayanılmaz hâle geldi, kediler çöpleri dağıtıyor.",
            ),
            (
                "Çöp kamyonu sokağımıza uğramıyor",
                "{street} tarafına çöp kamyonu gelmiyor, çöpler kaldırım kenarında birikti.",
            ),
        ),
        resolutions=("Bölgedeki çöpler toplanmış, konteynerler yıkanmıştır.",),
    ),
    Topic(
        "konteyner",
        "Çöp konteyneri talebi / hasarlı konteyner",
        "konteyner",
        "konteyner çöp kutusu kırık",
        kind=Kind.REQUEST,
        texts=(
            (
                "Konteyner talebi",
                "{mahalle} {street} üzerinde hiç çöp konteyneri yok, vatandaşlar çöpleri boş arsaya "
                "bırakıyor. Konteyner konulmasını istiyoruz.",
            ),
            (
                "Konteynerin kapağı kırık",
                "{street} {no} önündeki çöp konteynerinin kapağı ve tekerleği kırık, yıkanmadığı için çok "
                "kötü kokuyor.",
            ),
        ),
        resolutions=(
            "Belirtilen adrese 770 litrelik yeni konteyner bırakılmıştır.",
            "Hasarlı konteyner değiştirilmiş, bölgedeki konteynerler yıkanmıştır.",
        ),
    ),
    Topic(
        "temizlik",
        "Cadde ve meydan temizliği",
        "temizlik",
        "süpürme cadde temizlik yaprak",
        weight=3,
        texts=(
            (
                "Cadde süpürülmüyor",
                "{street} üzerinde kaldırımlar ve yol kenarı toz, poşet ve yaprakla dolu. Uzun zamandır "
                "süpürme yapılmadı.",
            ),
            (
                "Pazar yerinden sonra temizlik yapılmadı",
                "{mahalle} pazarı kurulduktan sonra {street} temizlenmedi, sebze meyve artıkları yolda "
                "kaldı.",
            ),
        ),
        resolutions=("Cadde mekanik süpürge ve ekiplerimizce temizlenmiş, yıkama yapılmıştır.",),
    ),
    Topic(
        "moloz",
        "Moloz ve hafriyat dökümü",
        "temizlik",
        "moloz hafriyat döküntü inşaat atığı",
        weight=2,
        texts=(
            (
                "Boş arsaya moloz dökülüyor",
                "{mahalle} {street} sonundaki boş arsaya geceleri kamyonlarla inşaat molozu dökülüyor. Hem "
                "görüntü kirliliği hem toz var.",
            ),
        ),
        resolutions=("Moloz kaldırılmış; döküm yapan araç için zabıtaca tutanak düzenlenmiştir.",),
    ),
    Topic(
        "gurultu",
        "Gürültü şikayeti",
        "zabita",
        "gürültü müzik ses düğün inşaat gece",
        weight=6,
        texts=(
            (
                "Gece geç saatte yüksek sesli müzik",
                "{mahalle} {street} üzerindeki bir kafe her gece saat 02:00'ye kadar yüksek sesle müzik "
                "yapıyor. Çocuklarımız uyuyamıyor.",
            ),
            (
                "Düğün salonunun gürültüsü",
                "{street} üzerindeki düğün salonundan gece yarısına kadar davul zurna sesi geliyor, ses "
                "yalıtımı yok.",
            ),
            (
                "İnşaatta gece çalışması",
                "{mahalle} {street} {no} numaradaki inşaatta akşam 22:00'den sonra da beton dökülüyor, "
                "mikser sesi uyku bırakmıyor.",
            ),
        ),
        resolutions=(
            "Zabıta ekibimiz adrese gitmiş, işletme uyarılmış ve tutanak düzenlenmiştir.",
            "Gece çalışması durdurulmuş, inşaat sahibine idari para cezası uygulanmıştır.",
        ),
    ),
    Topic(
        "seyyar",
        "Seyyar satıcı",
        "zabita",
        "seyyar satıcı işportacı tezgah",
        weight=3,
        texts=(
            (
                "Seyyar satıcılar kaldırımı kapatıyor",
                "{landmark} önünde seyyar satıcılar tezgâh açıyor, yayalar yola inmek zorunda kalıyor.",
            ),
            (
                "Işıklarda seyyar satış",
                "{street} kavşağında trafik ışıklarında araçların arasında satış yapılıyor, kaza riski var.",
            ),
        ),
        resolutions=("Bölgede denetim yapılmış, seyyar satıcıların tezgâhları kaldırılmıştır.",),
    ),
    Topic(
        "isgal",
        "Kaldırım işgali",
        "zabita",
        "kaldırım işgali masa sandalye tezgah",
        weight=3,
        misrouted_to="Yol Bakım Şube Müdürlüğü",
        texts=(
            (
                "Kaldırım işgali",
                "{mahalle} {street} üzerindeki kafe masa ve sandalyeleri kaldırımın tamamına yaymış. "
                "Yürüyecek yer kalmadı.",
            ),
            (
                "Dükkân önüne mal yığılmış",
                "{street} {no} numaradaki market kasaları ve ürünleri kaldırıma koyuyor, engelli vatandaşlar"
                " geçemiyor.",
            ),
        ),
        resolutions=("İşgal kaldırılmış, işyerine işgal tutanağı düzenlenmiştir.",),
    ),
    Topic(
        "dilenci",
        "Dilencilik",
        "zabita",
        "dilenci dilencilik kavşak çocuk",
        weight=1,
        texts=(
            (
                "Kavşakta dilencilik",
                "{street} kavşağında her gün çocuklar araçların camına gelip para istiyor. Hem çocuklar hem "
                "sürücüler için tehlikeli.",
            ),
        ),
        resolutions=(
            "Zabıta ve kolluk ile ortak denetim yapılmış, çocuklar sosyal hizmetlere teslim edilmiştir.",
        ),
    ),
    Topic(
        "denetim",
        "İşyeri / gıda denetimi",
        "denetim",
        "fiyat etiketi hijyen denetim ruhsat fırın market",
        weight=2,
        texts=(
            (
                "Fırında hijyen sorunu",
                "{mahalle} {street} üzerindeki fırında çalışanlar eldivensiz ve bonesiz çalışıyor, tezgâh "
                "çok kirli. Denetim yapılmasını istiyorum.",
            ),
            (
                "Markette fiyat etiketi yok",
                "{street} üzerindeki markette ürünlerin çoğunda fiyat etiketi yok, kasada farklı fiyat "
                "çıkıyor.",
            ),
        ),
        resolutions=(
            "İşyerinde denetim yapılmış, eksiklikler için yasal süre verilmiş ve tutanak tutulmuştur.",
        ),
    ),
    Topic(
        "otobus",
        "Otobüs seferi şikayeti",
        "ulasim",
        "otobüs sefer gecikme kalkış saati",
        weight=5,
        texts=(
            (
                "Otobüs saatinde gelmiyor",
                "{mahalle} durağından sabah 07:30'da kalkması gereken otobüs bir haftadır ya gelmiyor ya da "
                "40 dakika gecikiyor. İşe geç kalıyoruz.",
            ),
            (
                "Akşam seferleri yetersiz",
                "{mahalle} hattında akşam 21:00'den sonra sefer yok. Vardiyadan dönenler taksiye mahkûm "
                "kalıyor. Ek sefer konulmasını istiyoruz.",
            ),
        ),
        resolutions=(
            "Hattın sefer çizelgesi gözden geçirilmiş, sabah ve akşam saatlerine ek sefer konulmuştur.",
        ),
    ),
    Topic(
        "sofor",
        "Şoför davranışı şikayeti",
        "ulasim",
        "şoför kaba durmadı kart",
        weight=3,
        texts=(
            (
                "Şoför durakta durmadı",
                "{street} durağında bekliyordum, otobüs boş olmasına rağmen durmadan geçti. Saat {hour} "
                "civarıydı.",
            ),
            (
                "Otobüs şoförünün kaba davranışı",
                "Kartım okumayınca şoför bağırarak beni otobüsten indirdi. Olay {street} durağında, saat "
                "{hour} civarında oldu.",
            ),
        ),
        resolutions=("Araç kamerası incelenmiş, şoför hakkında disiplin işlemi başlatılmıştır.",),
    ),
    Topic(
        "durak",
        "Durak ve hat talebi",
        "hat",
        "durak hat güzergah yeni hat sundurma",
        kind=Kind.REQUEST,
        weight=2,
        texts=(
            (
                "Durağa sundurma yapılması talebi",
                "{mahalle} {street} üzerindeki durakta oturak ve sundurma yok. Yazın güneşte, kışın yağmurda"
                " bekliyoruz.",
            ),
            (
                "Mahallemize otobüs hattı istiyoruz",
                "{mahalle} ile şehir merkezi arasında doğrudan hat yok, iki aktarma yapıyoruz. Yeni bir hat "
                "açılmasını talep ediyoruz.",
            ),
        ),
        resolutions=("Durağa kapalı bekleme alanı yapılması programa alınmış ve uygulanmıştır.",),
        rejection="Güzergâh üzerindeki yolcu sayıları incelenmiş; mevcut talep yoğunluğu yeni hat "
        "açılmasını karşılamadığından talebiniz UKOME gündemine alınamamıştır.",
    ),
    Topic(
        "metro",
        "Metro hizmetleri",
        "metro",
        "metro istasyon asansör yürüyen merdiven",
        weight=2,
        texts=(
            (
                "Metro istasyonunda asansör çalışmıyor",
                "Metro istasyonundaki asansör bir haftadır arızalı. Tekerlekli sandalye kullanan babamla "
                "istasyona inemiyoruz.",
            ),
            (
                "Metro sefer sıklığı",
                "Sabah saatlerinde metro çok kalabalık, sefer aralığının kısaltılmasını öneriyorum.",
            ),
        ),
        resolutions=("İstasyon asansörünün arızalı parçası değiştirilmiş, asansör hizmete açılmıştır.",),
    ),
    Topic(
        "su_kesinti",
        "Su kesintisi",
        "su",
        "su kesintisi su yok basınç",
        weight=6,
        priority=Priority.HIGH,
        duplicates=True,
        texts=(
            (
                "Sabahtan beri su yok",
                "{mahalle} {street} bölgesinde sabah 08:00'den beri su yok. Herhangi bir duyuru yapılmadı, "
                "ne zaman geleceği belli değil.",
            ),
            (
                "Su basıncı çok düşük",
                "{street} {no} numarada üst katlara su çıkmıyor, basınç çok düşük. Birkaç gündür böyle.",
            ),
        ),
        resolutions=(
            "Ana hattaki arıza giderilmiş, bölgeye su verilmiştir.",
            "Bölgedeki basınç düşürücü vana ayarlanmış, su basıncı normale dönmüştür.",
        ),
    ),
    Topic(
        "su_ariza",
        "Su arızası / patlak boru",
        "su",
        "patlak boru su sızıntısı vana",
        priority=Priority.HIGH,
        duplicates=True,
        texts=(
            (
                "Yolda su borusu patladı",
                "{mahalle} {street} üzerinde ana boru patladı, su yola fışkırıyor. Çok büyük israf var, yol "
                "da zarar görüyor.",
            ),
            (
                "Vanadan sürekli su sızıyor",
                "{street} {no} önündeki su vanasından sürekli su sızıyor, kaldırım çamur oldu.",
            ),
        ),
        resolutions=("Patlak boru değiştirilmiş, kazı alanı kapatılmıştır.",),
    ),
    Topic(
        "kanal",
        "Kanalizasyon taşması / tıkanıklığı",
        "kanal",
        "kanalizasyon taşma tıkanık rögar koku lağım",
        weight=5,
        priority=Priority.HIGH,
        misrouted_to="Yol Bakım Şube Müdürlüğü",
        duplicates=True,
        texts=(
            (
                "Kanalizasyon taştı",
                "{mahalle} {street} üzerinde rögar taştı, pis su sokağa yayıldı. Koku dayanılmaz, çocuklar "
                "sokakta oynuyor.",
            ),
            (
                "Lağım tıkandı, bodruma su giriyor",
                "{street} {no} numaralı binanın kanalizasyon bağlantısı tıkandı, bodrum katına atık su "
                "geliyor.",
            ),
        ),
        resolutions=("Vidanjör ile hat açılmış, rögar çevresi dezenfekte edilmiştir.",),
    ),
    Topic(
        "fatura",
        "Su faturası itirazı",
        "abonelik",
        "fatura sayaç abonelik itiraz",
        kind=Kind.REQUEST,
        weight=3,
        texts=(
            (
                "Su faturası çok yüksek geldi",
                "Bu ayki su faturam normalin dört katı geldi. Evde kaçak yok, sayacın kontrol edilmesini ve "
                "faturanın düzeltilmesini istiyorum.",
            ),
        ),
        resolutions=(
            "Sayaç yerinde kontrol edilmiş, okuma hatası düzeltilerek fatura yeniden düzenlenmiştir.",
        ),
        rejection="Sayaç test istasyonunda ölçülmüş ve doğru çalıştığı tespit edilmiştir; fatura tüketime"
        " uygundur. Tesisatınızda kaçak olup olmadığını bir tesisatçıya kontrol ettirmeniz "
        "önerilir.",
    ),
    Topic(
        "kopek",
        "Başıboş köpek",
        "hayvan",
        "başıboş köpek sokak köpeği saldırgan sürü",
        weight=5,
        texts=(
            (
                "Başıboş köpekler çocuklara saldırıyor",
                "{mahalle} {street} civarında 6-7 köpekten oluşan bir sürü dolaşıyor. Okula giden çocukları "
                "kovalıyorlar, toplatılmasını istiyoruz.",
            ),
            (
                "Sokak köpekleri geceleri havlıyor",
                "{street} üzerindeki boş arsada köpekler toplanıyor, geceleri havlama ve kavga sesi "
                "uyutmuyor.",
            ),
        ),
        resolutions=(
            "Veteriner ekibimizce köpekler toplanarak geçici bakımevine götürülmüş, kısırlaştırma ve "
            "aşılama işlemleri yapılmıştır.",
        ),
    ),
    Topic(
        "yarali_hayvan",
        "Yaralı / ölü hayvan",
        "hayvan",
        "yaralı kedi ölü hayvan köpek",
        kind=Kind.TIP_OFF,
        weight=2,
        texts=(
            (
                "Yaralı kedi",
                "{landmark} önünde arka ayağı kırık bir kedi var, veteriner ekibinin gelmesini rica "
                "ediyorum.",
            ),
            (
                "Yol kenarında ölü köpek",
                "{mahalle} {street} kenarında ölü bir köpek var, koku başladı. Kaldırılmasını istiyoruz.",
            ),
        ),
        resolutions=("Hayvan ekibimizce alınmış, tedavisi için hayvan hastanesine götürülmüştür.",),
    ),
    Topic(
        "sivrisinek",
        "Sivrisinek / haşere ilaçlama",
        "ilaclama",
        "sivrisinek ilaçlama haşere karasinek",
        kind=Kind.REQUEST,
        texts=(
            (
                "Mahallede sivrisinek ilaçlaması yapılmadı",
                "{mahalle} bu yaz hiç ilaçlanmadı, sivrisinekten akşamları balkona çıkamıyoruz. Kanal "
                "kenarında durgun su var.",
            ),
            (
                "Bodrumda sivrisinek üremesi",
                "{street} {no} numaralı apartmanın bodrumunda su birikti, sivrisinek üreme alanı oldu. "
                "İlaçlama yapılmasını istiyoruz.",
            ),
        ),
        resolutions=("Bölgede larva ve ergin sivrisineğe yönelik ilaçlama yapılmıştır.",),
    ),
    Topic(
        "sosyal",
        "Sosyal yardım talebi",
        "sosyal",
        "yardım gıda kömür erzak muhtaç",
        kind=Kind.REQUEST,
        weight=3,
        channels="desk",
        texts=(
            (
                "Gıda yardımı talebi",
                "Eşim iş kazası geçirdi ve çalışamıyor, üç çocuğum var. Gıda ve kömür yardımı almak "
                "istiyorum.",
            ),
            (
                "Yaşlı komşumuz yardıma muhtaç",
                "{mahalle} {street} {no} numarada yalnız yaşayan yaşlı bir komşumuz var, ihtiyaçlarını "
                "karşılayamıyor. Sosyal hizmetlerin ziyaret etmesini rica ediyoruz.",
            ),
        ),
        resolutions=("Sosyal inceleme yapılmış, hane gıda kartı ve kömür yardımı programına alınmıştır.",),
        rejection="Yapılan sosyal incelemede hanenin yardım ölçütlerini (kişi başı gelir) karşılamadığı "
        "tespit edilmiştir.",
    ),
    Topic(
        "evde_bakim",
        "Engelli / yaşlı evde bakım",
        "evde_bakim",
        "evde bakım engelli yaşlı tekerlekli sandalye",
        kind=Kind.REQUEST,
        weight=2,
        channels="desk",
        texts=(
            (
                "Evde bakım hizmeti başvurusu",
                "Yatalak annem için evde bakım ve temizlik hizmetinden yararlanmak istiyorum.",
            ),
            ("Akülü sandalye talebi", "Engelli oğlum için akülü tekerlekli sandalye desteği talep ediyorum."),
        ),
        resolutions=(
            "Başvuru değerlendirilmiş, haftada iki gün evde bakım ve temizlik hizmeti başlatılmıştır.",
        ),
    ),
    Topic(
        "yangin",
        "Yangın riski / baca ihbarı",
        "itfaiye",
        "yangın riski baca kuru ot",
        weight=2,
        texts=(
            (
                "Boş arsada kuru otlar yangın riski taşıyor",
                "{mahalle} {street} yanındaki boş arsada otlar kurudu, geçen hafta küçük bir yangın çıktı. "
                "Temizlenmesini istiyoruz.",
            ),
            (
                "Baca temizliği talebi",
                "Apartmanımızın bacası uzun zamandır temizlenmedi, soba mevsimi öncesi itfaiyenin kontrol "
                "etmesini istiyoruz.",
            ),
        ),
        resolutions=(
            "İtfaiye ekibimiz yerinde kontrol yapmış, yangın riskine karşı gerekli önlemler alınmıştır.",
        ),
    ),
    Topic(
        "bilgi_edinme",
        "Bilgi edinme başvurusu (4982)",
        "bilgi_edinme",
        "bilgi edinme 4982 belge talebi",
        kind=Kind.INFORMATION_REQUEST,
        weight=3,
        channels="information",
        texts=(
            (
                "Bilgi edinme: mahalle asfalt ihalesi",
                "4982 sayılı Bilgi Edinme Hakkı Kanunu uyarınca {mahalle} {street} için yapılan asfalt "
                "ihalesinin tarihini, yüklenici firmasını ve sözleşme bedelini öğrenmek istiyorum.",
            ),
            (
                "Bilgi edinme: park projesi",
                "4982 sayılı Kanun kapsamında {mahalle} sınırlarında yapılması planlanan park projesinin "
                "onaylı vaziyet planının bir örneğini talep ediyorum.",
            ),
            (
                "Bilgi edinme: hat yolcu sayıları",
                "4982 sayılı Kanun uyarınca geçen yıl {mahalle} hattında taşınan aylık yolcu sayılarının "
                "tarafıma bildirilmesini talep ederim.",
            ),
        ),
        resolutions=(
            "İstenen bilgiler ilgili daire başkanlığından alınarak başvuru sahibine e-posta ve SMS ile "
            "gönderilmiştir.",
        ),
        rejection="4982 sayılı Kanun'un 7. maddesi uyarınca ayrı veya özel bir çalışma, araştırma ya da "
        "analiz gerektiren bilgi talepleri karşılanamamaktadır. Bu karara karşı idari yargı "
        "yoluna başvurabilirsiniz.",
    ),
    Topic(
        "dilekce",
        "Dilekçe / CİMER başvurusu",
        "dilekce",
        "dilekçe cimer imar mağduriyet",
        kind=Kind.PETITION,
        weight=3,
        channels="petition",
        texts=(
            (
                "CİMER: imar uygulaması mağduriyeti",
                "{mahalle} {street} bölgesinde yapılan imar uygulamasıyla ilgili mağduriyetimin "
                "giderilmesini arz ederim.",
            ),
            (
                "Dilekçe: yol genişletme çalışması",
                "{street} genişletme çalışması nedeniyle dükkânımın önü iki aydır kapalı. Çalışmanın ne "
                "zaman biteceğinin tarafıma bildirilmesini arz ederim.",
            ),
        ),
        resolutions=(
            "Konu ilgili daire başkanlığınca incelenmiş, sonuç başvuru sahibine yazılı olarak "
            "bildirilmiştir.",
        ),
        rejection="3071 sayılı Kanun'un 6. maddesi gereğince yargı mercilerinin görevine giren "
        "konulardaki dilekçeler incelenememektedir; konu hakkında dava süreci devam etmektedir.",
    ),
    Topic(
        "bilgi",
        "Genel bilgi talebi",
        "alo153",
        "bilgi randevu telefon numarası mesai adres",
        kind=Kind.REQUEST,
        weight=5,
        mode="on_the_spot",
        channels="call",
        texts=(
            ("Nöbetçi eczane soruldu", "Vatandaş bölgesindeki nöbetçi eczaneyi öğrenmek istedi."),
            (
                "Adana Kart başvuru yeri soruldu",
                "Vatandaş öğrenci Adana Kart başvurusu için gideceği adresi ve çalışma saatlerini sordu.",
            ),
            (
                "Planlı su kesintisi soruldu",
                "Vatandaş {mahalle} için duyurulan planlı su kesintisinin ne zaman biteceğini sordu.",
            ),
        ),
        resolutions=("Vatandaşa gerekli bilgi verilmiştir.",),
    ),
    Topic(
        "tesekkur",
        "Teşekkür ve öneri",
        "alo153",
        "teşekkür öneri memnun",
        kind=Kind.APPRECIATION,
        weight=2,
        mode="on_the_spot",
        texts=(
            (
                "Teşekkür",
                "{mahalle} {street} asfaltı çok kısa sürede yenilendi, emeği geçen ekiplere teşekkür ederim.",
            ),
            (
                "Öneri: parklara gölgelik",
                "Yaz aylarında parkların oyun alanlarına gölgelik yapılmasını öneriyorum, çocuklar öğlen "
                "oynayamıyor.",
            ),
        ),
        resolutions=("Teşekkürünüz ve öneriniz ilgili birime iletilmiştir.",),
    ),
    Topic(
        "kurum_disi",
        "Elektrik / doğalgaz arızası (kurum dışı)",
        "alo153",
        "elektrik kesintisi doğalgaz gaz kokusu",
        weight=2,
        mode="redirect",
        channels="call",
        redirect_to="Toroslar Elektrik Dağıtım A.Ş. (186) / Aksa Çukurova Doğalgaz (187)",
        texts=(
            ("Elektrik kesintisi", "{mahalle} {street} bölgesinde iki saattir elektrik yok."),
            ("Doğalgaz kokusu", "{street} {no} önünde doğalgaz kokusu var, vatandaş endişeli."),
        ),
    ),
)

# ================================================================================================
# Invented people and places
# ================================================================================================

FEMALE_NAMES = (
    "Ayşe",
    "Fatma",
    "Emine",
    "Hatice",
    "Zeynep",
    "Elif",
    "Meryem",
    "Şerife",
    "Zehra",
    "Sultan",
    "Hanife",
    "Merve",
    "Özlem",
    "Yasemin",
    "Esra",
    "Büşra",
    "Derya",
    "Gülsüm",
    "Hülya",
    "Songül",
    "Tuğba",
    "Sibel",
    "Nurcan",
    "Filiz",
    "Kübra",
    "Dilek",
    "Gamze",
    "Sevgi",
    "Aysel",
    "Leyla",
)
MALE_NAMES = (
    "Mehmet",
    "Mustafa",
    "Ahmet",
    "Ali",
    "Hüseyin",
    "Hasan",
    "İbrahim",
    "İsmail",
    "Osman",
    "Yusuf",
    "Murat",
    "Ömer",
    "Ramazan",
    "Halil",
    "Süleyman",
    "Abdullah",
    "Mahmut",
    "Recep",
    "Salih",
    "Fatih",
    "Kemal",
    "Emre",
    "Burak",
    "Serkan",
    "Volkan",
    "Cengiz",
    "Erkan",
    "Tuncay",
    "Gökhan",
    "Orhan",
)
SURNAMES = (
    "Yılmaz",
    "Kaya",
    "Demir",
    "Çelik",
    "Şahin",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
    "Şimşek",
    "Polat",
    "Korkmaz",
    "Karataş",
    "Erdoğan",
    "Güneş",
    "Aksoy",
    "Bozkurt",
    "Tekin",
    "Keskin",
    "Ünal",
    "Toprak",
    "Taş",
    "Çiftçi",
    "Kaplan",
    "Tunç",
    "Akgül",
    "Uçar",
    "Durmaz",
    "Sarı",
    "Bulut",
)
NAMED_STREETS = (
    "Atatürk Caddesi",
    "İnönü Caddesi",
    "Cumhuriyet Caddesi",
    "Kurtuluş Caddesi",
    "Barış Caddesi",
    "Gazi Paşa Bulvarı",
    "İstiklal Caddesi",
    "Okul Sokak",
    "Cami Sokak",
    "Lale Sokak",
    "Menekşe Sokak",
    "Zafer Sokak",
    "Çınar Sokak",
    "Gül Sokak",
    "Pazar Sokak",
)
LANDMARKS = (
    "mahalle camisi",
    "ilkokul",
    "aile sağlığı merkezi",
    "muhtarlık",
    "fırın",
    "eczane",
    "pazar yeri",
    "çocuk parkı",
    "otobüs durağı",
    "ortaokul",
)
MOBILE_PREFIXES = (
    "501",
    "505",
    "506",
    "507",
    "530",
    "531",
    "532",
    "533",
    "534",
    "535",
    "536",
    "537",
    "538",
    "539",
    "541",
    "542",
    "543",
    "544",
    "545",
    "546",
    "549",
    "551",
    "552",
    "553",
    "554",
    "555",
)

# Channel mixes (channel, weight) by the kind of topic.
CHANNEL_MIXES: dict[str, tuple[tuple[str, int], ...]] = {
    "default": (
        (Channel.PHONE, 36),
        (Channel.WHATSAPP, 15),
        (Channel.MOBILE, 10),
        (Channel.WEB, 9),
        (Channel.SOCIAL, 8),
        (Channel.EMAIL, 7),
        (Channel.DESK, 6),
        (Channel.SMS, 4),
        (Channel.CIMER, 5),
    ),
    "desk": ((Channel.DESK, 40), (Channel.PHONE, 35), (Channel.WEB, 15), (Channel.CIMER, 10)),
    "information": ((Channel.EMAIL, 50), (Channel.WEB, 30), (Channel.DESK, 10), (Channel.CIMER, 10)),
    "petition": ((Channel.CIMER, 60), (Channel.DESK, 25), (Channel.EMAIL, 15)),
    "call": ((Channel.PHONE, 85), (Channel.WHATSAPP, 10), (Channel.DESK, 5)),
    "police": ((Channel.PHONE, 86), (Channel.SMS, 8), (Channel.EMAIL, 6)),
}

# ================================================================================================
# Police 155 texts (Eskişehir)
# ================================================================================================

# category → ((subject, description), ...)
POLICE_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "Kavga / darp ihbarı": (
        ("Sokakta kavga", "{mahalle} {street} üzerinde birkaç kişi kavga ediyor, ellerinde sopa var."),
        ("Komşular arasında darp", "{street} {no} numarada bağırışlar ve kavga sesleri geliyor."),
    ),
    "Hırsızlık ihbarı": (
        (
            "Evden hırsızlık",
            "{mahalle} {street} {no} numaradaki evin kapısı kırılmış, içeriden eşyalar alınmış.",
        ),
        ("Araçtan hırsızlık", "{street} üzerinde park hâlindeki aracın camı kırılmış, çanta çalınmış."),
    ),
    "Gürültü ve rahatsızlık ihbarı": (
        (
            "Gece yüksek sesli müzik",
            "{mahalle} {street} {no} numaradan gece 01:00'de yüksek sesle müzik geliyor.",
        ),
    ),
    "Şüpheli şahıs / araç": (
        (
            "Şüpheli araç",
            "{street} üzerinde iki gündür aynı yerde duran, içinde bekleyen kişiler olan bir araç var.",
        ),
        ("Sahipsiz paket", "{landmark} önünde sahipsiz bir çanta duruyor."),
    ),
    "Trafik kazası": (
        (
            "Maddi hasarlı kaza",
            "{street} ile {street2} kavşağında iki araç çarpıştı, yaralı yok, trafik kilitlendi.",
        ),
        ("Yaralamalı kaza", "{mahalle} {street} üzerinde bir motosiklet devrildi, sürücü yerde."),
    ),
    "Trafik ihlali / hatalı park": (
        ("Hatalı park yolu kapattı", "{street} {no} önüne park eden araç garaj çıkışını kapatıyor."),
    ),
    "KADES yardım çağrısı": (
        ("KADES acil çağrı", "KADES uygulamasından acil yardım çağrısı geldi; konum {mahalle} {street}."),
    ),
}
POLICE_RESOLUTIONS = (
    "Ekip olay yerine ulaştı; taraflar karakola davet edildi, tutanak düzenlendi.",
    "Ekip adreste gerekli kontrolü yaptı; herhangi bir olumsuzluk tespit edilmedi.",
    "Şüpheliler yakalanarak Cumhuriyet Savcılığına sevk edildi.",
    "Trafik ekibi kaza tespit tutanağı düzenledi, yol trafiğe açıldı.",
)

FEEDBACK_NOTES = {
    Channel.WHATSAPP: "Vatandaşa WhatsApp üzerinden öncesi ve sonrası fotoğraflarıyla bilgi verildi.",
    Channel.EMAIL: "Vatandaşa e-posta ile bilgi verildi.",
    Channel.SOCIAL: "Vatandaşa sosyal medya hesabından yanıt verildi.",
}
FEEDBACK_CALLS = (
    "Vatandaş arandı; sonuçtan memnun olduğunu belirtti (5/5).",
    "Vatandaş arandı; sorunun çözüldüğünü teyit etti (4/5).",
    "Vatandaş arandı; çözümün geç kaldığını belirtti (2/5).",
    "Vatandaşa ulaşılamadı; sonuç SMS ile bildirildi.",
)

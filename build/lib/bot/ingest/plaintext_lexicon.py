"""Non-English page-furniture words for plain-text page cleaning (es, fr, de, pt, it, nl, ru, uk, pl, tr, ja, zh,
ko, ar).

Compact on purpose: the phrases a news or blog page uses to close an article (related links, comments, "read
also"), its calls to action (subscribe, log in, share) and its legal footer. English lives in `plaintext_lines`,
which combines these with its own patterns. Scripts without spaces (CJK) match without word boundaries.
"""

from __future__ import annotations

# A whole line that is one of these (after stripping decoration) ends the article region.
END_PHRASES = [
    # es
    r"le(?:e|er|a)\ (?:más|también|además)|te\ puede\ (?:interesar|gustar)|también\ te\ puede\ interesar",
    r"(?:noticias|artículos|notas|entradas)\ (?:relacionad[oa]s|similares)|más\ (?:noticias|leíd[oa]s|visto)\b.{0,30}",
    r"lo\ más\ (?:leído|visto)|comentarios?(?:\ \(\d+\))?|deja\ (?:un|tu)\ comentario|etiquetas:?.*|temas:.*",
    # fr
    r"(?:à\ )?lire\ (?:aussi|également|la\ suite)|voir\ aussi|sur\ le\ même\ sujet|dans\ la\ même\ rubrique",
    r"articles?\ (?:similaires|liés|connexes|recommandés)|les\ plus\ (?:lus|partagés)|(?:\d+\ )?commentaires?",
    r"laisser\ un\ commentaire|réagir|mots[- ]clés:?.*|à\ (?:voir|découvrir)\ aussi",
    # de
    r"mehr\ zum\ thema\b.{0,40}|(?:das\ könnte\ sie\ )?auch\ interessant|das\ könnte\ sie\ (?:auch\ )?interessieren",
    r"lesen\ sie\ (?:auch|mehr)|weitere\ (?:artikel|meldungen|nachrichten)\b.{0,30}|(?:verwandte|ähnliche)\ artikel",
    r"meistgelesen(?:e\ artikel)?|kommentare?(?:\ \(\d+\))?|schlagworte:?.*|themen:.*|zum\ thema",
    # pt
    r"leia\ (?:também|mais)|veja\ (?:também|mais)|saiba\ mais|(?:notícias|matérias|artigos|posts)\ relacionad[oa]s",
    r"mais\ (?:lidas|lidos|vistas|notícias)|comentários?(?:\ \(\d+\))?|deixe\ (?:um|seu|o\ seu)\ comentário",
    # it
    r"leggi\ anche|potrebbe\ interessarti|articoli\ correlati|i\ più\ letti|più\ lett[ie]|commenti|lascia\ un\ commento",
    # nl
    r"lees\ (?:ook|meer)|meer\ over\b.{0,30}|gerelateerde\ artikelen|reacties|meest\ gelezen",
    # ru / uk
    r"читайте\ (?:также|тоже|ещё|еще|також)|смотрите\ также|дивіться\ також|по\ теме|новости\ по\ теме",
    r"(?:похожие|связанные)\ (?:статьи|записи|новости|материалы)|схожі\ (?:новини|статті)|популярное|самое\ читаемое",
    r"комментари(?:и|ев)(?:\ \(\d+\))?|коментарі|оставить\ комментарий|добавить\ комментарий|теги:?.*",
    # pl
    r"czytaj\ (?:także|też|również|więcej)|zobacz\ (?:także|też|również)|podobne\ artykuły|komentarze|najczęściej\ czytane",
    # tr
    r"(?:ilgili|benzer)\ haberler|yorumlar|yorum\ yap|en\ çok\ okunanlar|ayrıca\ bakınız|etiketler:?.*",
    # ar
    r"اقرأ\ أيضا[ًً]?|(?:مواضيع|أخبار|مقالات)\ ذات\ صلة|التعليقات|الأكثر\ قراءة",
    # ja / zh / ko (no word boundaries)
    r"関連(?:記事|ニュース|リンク|エントリー)|人気(?:記事|ランキング)|おすすめ記事|新着記事|コメント(?:を書く|する)?",
    r"この記事を(?:シェア|共有)する?|相[关關](?:文章|新[闻聞]|[阅閱][读讀])|延伸[阅閱][读讀]|[热熱]门文章|推荐阅读|[评評][论論]",
    r"[责責]任[编編][辑輯].{0,20}|관련\s?기사|댓글|많이\ 본\ 뉴스",
    # copyright lines
    r".*(?:todos\ los\ derechos\ reservados|tous\ droits\ réservés|alle\ rechte\ vorbehalten|todos\ os\ direitos"
    r"\ reservados|tutti\ i\ diritti\ riservati|все\ права\ защищены|усі\ права\ захищені|wszelkie\ prawa\ zastrzeżone"
    r"|tüm\ hakları\ saklıdır|版权所有|版權所有|無断転載|جميع\ الحقوق\ محفوظة).*",
]

# Calls to action and navigation: a short line holding one is page furniture (word-bounded scripts).
BOILER_WORDS = [
    # es / pt / it
    r"suscr[ií]b[ea]te|suscribirse|suscripción|bolet[ií]n|iniciar\ sesión|reg[ií]strate|política\ de\ privacidad",
    r"aviso\ legal|publicidad|assine|assinatura|cadastre-se|política\ de\ privacidade",
    r"publicidade|fale\ conosco|quem\ somos|iscriviti|abbonati|accedi|pubblicità|contattaci",
    # fr / de / nl
    r"abonnez-vous|s['’]abonner|se\ connecter|connexion|politique\ de\ confidentialité|mentions\ légales|publicité",
    r"nous\ contacter|abonnieren|anmelden|abmelden|datenschutz(?:erklärung)?|impressum|werbung",
    r"inloggen|abonneren|adverteren",
    # ru / uk / pl / tr / ar
    r"подписаться|подпишитесь|войти|регистрация|реклама|политика\ конфиденциальности",
    r"підписатися|увійти|зареєструватися|zaloguj(?:\ się)?|subskrybuj|polityka\ prywatności",
    r"abone\ ol|giriş\ yap|gizlilik\ politikası|اشترك|تسجيل\ الدخول|سياسة\ الخصوصية",
]

# Words that are furniture only as (nearly) the whole line: share buttons, contact links. As verbs they are common.
BOILER_ALONE = [
    r"compartir|compartilh[ae]r?|compartilhe|condividi|partager|teilen|delen|поделиться|поділитися|udostępnij",
    r"paylaş|شارك|kontakt(?:e)?|контакты|контакти|contacto|contato|contatti|reklam|إعلان",
]

# The same for scripts without spaces: matched anywhere in a short line.
BOILER_CJK = [
    r"ログイン|会員登録|購読|広告|プライバシーポリシー|お問い合わせ|スポンサー(?:ドリンク)?|ツイート|シェア|サイトマップ",
    r"登[录錄]|注[册冊]|订阅|訂閱|广告|廣告|隐私政策|隱私政策|分享到|免责声明|免責事項|로그인|구독|광고|개인정보",
]

# Paywall notices (anywhere in a line of up to 200 characters).
PAYWALL = [
    r"para\ seguir\ leyendo|exclusivo\ para\ suscriptores|réservé\ aux\ abonnés|pour\ lire\ la\ suite",
    r"nur\ für\ abonnenten|weiterlesen\ mit|exclusivo\ para\ assinantes|para\ continuar\ lendo",
    r"riservato\ agli\ abbonati|доступно\ только\ подписчикам|tylko\ dla\ subskrybentów",
]

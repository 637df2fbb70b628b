#!/usr/bin/env bash
# bench/normalize_name.sh: ar.normalize_name (C) against the same folding
# written as a chain of SQL normalize(NFKC)/upper/translate/regexp_replace,
# over the same realistic payer and customer names, in the same run.  Run by
# scripts/bench.sh normalize_name (PGHOST etc. set, database "bench" with
# pg_receivables); prints a markdown report.
#
#   KANA_ROWS  names in the dataset (default 1000000)
#   KANA_RUNS  timed runs per query (default 5; medians reported)
set -euo pipefail
ROWS=${KANA_ROWS:-1000000}
RUNS=${KANA_RUNS:-5}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

# Names as they come: bank-file payer names in half-width kana with the
# 全銀 legal-form abbreviations in front, behind or in the middle; customer
# master names in kanji/hiragana with 株式会社, (株), ㈱; readings in
# full-width katakana; a few Latin names.  setseed makes them the same
# every run.
"${PSQL[@]}" -v rows="$ROWS" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_names;
CREATE TABLE bench_names (name text NOT NULL);
SELECT setseed(0.45) AS seed \gset
WITH parts AS (
  SELECT ARRAY['ｻｸﾗ', 'ﾔﾏﾄ', 'ﾐﾄﾞﾘ', 'ｱｵｿﾞﾗ', 'ﾌｼﾞ', 'ﾄｳｷﾖｳ', 'ﾆﾂﾎﾟﾝ', 'ｷﾀｶﾞﾜ', 'ﾀｶﾊｼ', 'ﾎｸﾄ',
               'ﾐﾅﾐ', 'ﾋｶﾘ', 'ｵｵｻｶ', 'ﾅｺﾞﾔ', 'ｻﾝﾜ', 'ﾀﾞｲﾄｳ', 'ﾁﾕｳｵｳ', 'ｺｽﾓ', 'ﾊﾟｼﾌｨｯｸ', 'ｴｰｽ'] AS kana,
         ARRAY['ｼﾖｳｼﾞ', 'ｾｲｻｸｼﾖ', 'ｹﾝｾﾂ', 'ｳﾝﾕ', 'ﾃﾞﾝｷ', 'ｼｽﾃﾑ', 'ﾄﾚｰﾃﾞｨﾝｸﾞ', 'ｻｰﾋﾞｽ', 'ﾌﾄﾞｳｻﾝ', 'ｺｳｷﾞﾖｳ'] AS kana_biz,
         ARRAY['ｶ', 'ｶ', 'ｶ', 'ｶ', 'ﾕ', 'ﾄﾞ', 'ｲ', 'ｼﾔ', 'ｻﾞｲ', 'ﾌｸ'] AS abbr,
         ARRAY['さくら', '大和', 'みどり', '青空', '富士', '東京', '日本', '北川', '高橋', '北斗',
               '南', 'ひかり', '大阪', '名古屋', '三和', '大東', '中央', 'コスモ', 'パシフィック', 'エース'] AS kanji,
         ARRAY['商事', '製作所', '建設', '運輸', '電機', 'システム', 'トレーディング', 'サービス', '不動産', '工業'] AS kanji_biz,
         ARRAY['株式会社', '株式会社', '(株)', '（株）', '㈱', '有限会社', '合同会社', '医療法人社団', '一般社団法人', '社会福祉法人'] AS form,
         ARRAY['サクラ', 'ヤマト', 'ミドリ', 'アオゾラ', 'フジ', 'トウキョウ', 'ニッポン', 'キタガワ', 'タカハシ', 'ホクト'] AS reading,
         ARRAY['ショウジ', 'セイサクショ', 'ケンセツ', 'ウンユ', 'デンキ', 'システム', 'トレーディング', 'サービス'] AS reading_biz,
         ARRAY['Sakura', 'Yamato', 'Midori', 'Pacific', 'Cosmos', 'Northwind', 'Fuji', 'Orient'] AS latin,
         ARRAY[' Co., Ltd.', ' CO.,LTD.', ' Inc.', ' K.K.', ' LLC', ' Corporation', ' Trading Co., Ltd.', ' GmbH'] AS latin_form
), pick AS (
  SELECT p.*, random() AS u, 1 + floor(random() * 20)::int AS a, 1 + floor(random() * 10)::int AS b,
         1 + floor(random() * 10)::int AS c, 1 + floor(random() * 8)::int AS d
    FROM parts p, generate_series(1, :rows)
)
INSERT INTO bench_names
SELECT CASE
         WHEN u < 0.25 THEN abbr[c] || ')' || kana[a] || kana_biz[b]                 -- ｶ)ｻｸﾗｼﾖｳｼﾞ
         WHEN u < 0.35 THEN kana[a] || kana_biz[b] || '(' || abbr[c]                 -- ｻｸﾗｼﾖｳｼﾞ(ｶ
         WHEN u < 0.40 THEN kana[a] || '(' || abbr[c] || ')' || kana[1 + (a % 20)] || 'ｼﾃﾝ'
         WHEN u < 0.50 THEN kana[a] || ' ' || kana[1 + (a * 7 % 20)]                -- a person
         WHEN u < 0.70 THEN form[c] || kanji[a] || kanji_biz[b]                     -- 株式会社さくら商事
         WHEN u < 0.78 THEN kanji[a] || kanji_biz[b] || form[c]
         WHEN u < 0.92 THEN 'カブシキガイシャ　' || reading[b] || reading_biz[d]
         ELSE latin[d] || latin_form[1 + (a % 8)]
       END
  FROM pick;
VACUUM ANALYZE bench_names;
SQL

# The baseline: the same folding as a chain of built-in SQL functions,
# written as well as we can.  normalize(NFKC) does the half-width kana with
# voiced marks, full-width ASCII and ㈱ → (株); translate does hiragana and
# small kana; regexp_replace does the abbreviations in their three
# positions, Latin forms at the end, separators and spelled-out forms.
"${PSQL[@]}" <<'SQL'
SET client_min_messages = warning;
DROP FUNCTION IF EXISTS bench_normalize_sql(text);
CREATE FUNCTION bench_normalize_sql(s text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(
  regexp_replace(
    regexp_replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(
            regexp_replace(
              translate(upper(normalize(s, NFKC)),
                'ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖァィゥェォッャュョヮヵヶÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ',
                'アアイイウウエエオオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂツツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモヤヤユユヨヨラリルレロワワヰヱヲンヴカケアイウエオツヤユヨワカケAAAAAACEEEEIIIINOOOOOOUUUUY'),
              -- separators: everything but letters, digits, ( ) and . ; long vowels too
              '[^[:alnum:]().]|ー', ' ', 'g'),
            -- (X) anywhere
            '\(\s*(カ|ユ|メ|シ|ド|イ|ザイ|シヤ|シユウ|ガク|フク|ソ|ホゴ|トクヒ|ドク|チドク|ベン|チユウ|ギヨ|シホウ|ゼイ|ダイ|ノウ|カンリ|ロウム|エイ|シユツ|キヨウ|キヨウクミ|株|有|名|資|同|合|医|財|社|宗|学|福|相|特|特非|独|地独|弁|税|司|行|大|農|監|企|協|労|営|出|一社|一財|公社|公財|社福|医社|医財|生協|K\.?K\.?|INC\.?|LTD\.?|LLC|CO\.?|CORP\.?|NPO)\s*\)', ' ', 'g'),
          -- X) at the start of a word
          '(^|[ ).])(カ|ユ|メ|シ|ド|イ|ザイ|シヤ|シユウ|ガク|フク|ソ|ホゴ|トクヒ|ドク|チドク|ベン|チユウ|ギヨ|シホウ|ゼイ|ダイ|ノウ|カンリ|ロウム|エイ|シユツ|キヨウ|キヨウクミ|株|有)\)', '\1 ', 'g'),
        -- (X at the end of a word
        '\((カ|ユ|メ|シ|ド|イ|ザイ|シヤ|シユウ|ガク|フク|ソ|ホゴ|トクヒ|ドク|チドク|ベン|チユウ|ギヨ|シホウ|ゼイ|ダイ|ノウ|カンリ|ロウム|エイ|シユツ|キヨウ|キヨウクミ|株|有)(?=$|[ (.])', ' ', 'g'),
      -- Latin legal forms at the end, never the only word
      '^(.*?[^ ])((\s+|\.)(CO\.?\s*LTD|CO|LTD|LIMITED|INC|INCORPORATED|LLC|LLP|PLC|CORP|CORPORATION|COMPANY|K\.?K|GMBH|AG|SA|NV|BV|PTE|PTY)\.?)+\s*$', '\1'),
    -- separators out
    '[ ().]', '', 'g'),
  -- spelled-out legal forms and their readings, anywhere
  '特定非営利活動法人|社会保険労務士法人|土地家屋調査士法人|地方独立行政法人|有限責任中間法人|無限責任中間法人|有限責任事業組合|医療法人社団|医療法人財団|社会医療法人|一般財団法人|公益財団法人|一般社団法人|公益社団法人|社会福祉法人|更生保護法人|更正保護法人|独立行政法人|国立大学法人|公立大学法人|司法書士法人|行政書士法人|特許業務法人|農事組合法人|管理組合法人|事業協同組合|特例有限会社|弁護士法人|税理士法人|株式会社|有限会社|合名会社|合資会社|合同会社|相互会社|医療法人|財団法人|社団法人|宗教法人|学校法人|監査法人|協同組合|企業組合|NPO法人|トクテイヒエイリカツドウホウジン|チホウドクリツギヨウセイホウジン|シヤカイホケンロウムシホウジン|イリヨウホウジンシヤダン|イリヨウホウジンザイダン|イツパンザイダンホウジン|コウエキザイダンホウジン|イツパンシヤダンホウジン|コウエキシヤダンホウジン|ドクリツギヨウセイホウジン|コクリツダイガクホウジン|コウリツダイガクホウジン|ギヨウセイシヨシホウジン|シヤカイイリヨウホウジン|ノウジクミアイホウジン|カンリクミアイホウジン|シヤカイフクシホウジン|シユウキヨウホウジン|コウセイホゴホウジン|シホウシヨシホウジン|カブシキガイシヤ|カブシキカイシヤ|ユウゲンガイシヤ|ユウゲンカイシヤ|ゴウメイガイシヤ|ゴウドウガイシヤ|イリヨウホウジン|ザイダンホウジン|シヤダンホウジン|ガツコウホウジン|ベンゴシホウジン|ゼイリシホウジン|キヨウドウクミアイ|ゴウシガイシヤ|ソウゴガイシヤ|カンサホウジン|NPOホウジン',
  '', 'g');
SQL

# Same answers, or the timings mean nothing.
read -r total differ <<<"$("${PSQL[@]}" -At -F ' ' -c \
  "SELECT count(*), count(*) FILTER (WHERE ar.normalize_name(name) IS DISTINCT FROM bench_normalize_sql(name)) FROM bench_names")"
[[ $differ -eq 0 ]] || {
  echo "error: $differ of $total names fold differently in C and in SQL; first ones:" >&2
  "${PSQL[@]}" -c "SELECT name, ar.normalize_name(name), bench_normalize_sql(name) FROM bench_names
                    WHERE ar.normalize_name(name) IS DISTINCT FROM bench_normalize_sql(name) LIMIT 10" >&2
  exit 1
}
distinct=$("${PSQL[@]}" -At -c "SELECT count(DISTINCT name) FROM bench_names")

Q_SCAN="SELECT sum(length(name)) FROM bench_names"
Q_C="SELECT sum(length(ar.normalize_name(name))) FROM bench_names"
Q_SQL="SELECT sum(length(bench_normalize_sql(name))) FROM bench_names"

# One execution, milliseconds on stdout; single backend (no parallel workers).
time_query() {
  "${PSQL[@]}" -At -c "SET max_parallel_workers_per_gather = 0" -c '\timing on' -c "$1" \
    | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
spread() { sort -n | awk '{a[NR] = $1} END {printf "%.0f-%.0f", a[1], a[NR]}'; }

declare -A t
for q in SCAN C SQL; do v=Q_$q; time_query "${!v}" >/dev/null; done   # warm-up
for ((r = 1; r <= RUNS; r++)); do
  for q in SCAN C SQL; do   # interleaved: a noisy moment hits all alike
    v=Q_$q
    t[$q]+="$(time_query "${!v}") "
  done
done
med() { tr ' ' '\n' <<<"${t[$1]}" | grep . | median; }
rng() { tr ' ' '\n' <<<"${t[$1]}" | grep . | spread; }
fmt() { awk -v a="$1" 'BEGIN {printf "%.0f", a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
per() { awk -v a="$1" -v b="$2" -v n="$ROWS" 'BEGIN {printf "%.2f", (a - b) * 1000 / n}'; }

scan=$(med SCAN); c=$(med C); s=$(med SQL)
load=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<EOF
### ar.normalize_name

$(date -u +%F), $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), PostgreSQL $(psql -X -At -c 'SHOW server_version' | cut -d' ' -f1),
$ROWS names ($distinct distinct: bank-file half-width kana with ｶ) / (ｶ / (ｶ),
kanji with 株式会社 / (株) / ㈱, katakana readings, Latin with Co., Ltd. ...),
one backend, table in shared buffers; median of $RUNS interleaved runs (min-max
in brackets); load average before the report: $load. C and SQL gave the same
result for all $total names.

| query | ms | µs per name above the scan |
|---|---:|---:|
| \`sum(length(name))\` (the scan alone) | $(fmt "$scan") ($(rng SCAN)) | |
| \`ar.normalize_name(name)\` (C) | $(fmt "$c") ($(rng C)) | $(per "$c" "$scan") |
| chain of \`normalize\`/\`upper\`/\`translate\`/\`regexp_replace\` (SQL) | $(fmt "$s") ($(rng SQL)) | $(per "$s" "$scan") |

C is **$(ratio "$s" "$c")×** faster than the SQL chain over the whole query, and
**$(awk -v a="$c" -v b="$s" -v z="$scan" 'BEGIN {printf "%.0f", (b - z) / (a - z)}')×** per call once the scan is taken out.
EOF

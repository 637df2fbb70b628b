/*
 * kana.c: fold a payer or customer name to one comparable form.
 *
 * Bank files spell a payer as "ｶ)ｻｸﾗｼﾖｳｼﾞ"; the customer master says
 * "株式会社さくら商事" with the reading "サクラショウジ".  Matching needs
 * both sides in one form, so this folds (see docs/cash-application.md for
 * the full table with examples):
 *
 *   1. characters: half-width katakana to full-width with detached voiced
 *      marks composed (ｶﾞ → ガ), hiragana to katakana, small kana to large
 *      (bank data has none), full-width ASCII to ASCII, Latin letters to
 *      upper case without accents; long vowel marks, hyphens, spaces and
 *      punctuation become separators; ㈱ ㈲ ㍿ ... become "(株)" "(有)" ...
 *   2. legal-entity abbreviations in parentheses, as the 全銀協 table writes
 *      them: "(X)" anywhere, "X)" at the start of a word, "(X" at the end of
 *      a word, for the kana (カ ユ シヤ ...), kanji (株 有 医 ...) and Latin
 *      (KK INC ...) abbreviations;
 *   3. Latin legal-form words at the end or start of the name (CO., LTD.,
 *      INC., LLC, K.K., GMBH, KABUSHIKI KAISHA, ...), never the only word;
 *   4. separators dropped;
 *   5. spelled-out legal forms removed wherever they stand (株式会社,
 *      カブシキガイシヤ, 一般社団法人, ...), longest first, until none is
 *      left.
 *
 * The result never has more bytes than the input, and folding it again
 * gives it back unchanged (normalize(normalize(x)) = normalize(x)).
 *
 * Work happens on an array of code points ("tokens"), at most one per input
 * byte, in place; nothing is allocated.
 */
#include "kana.h"

#include <string.h>

#define TK_SEP		0x20u		/* separator: space, punctuation, long vowel */
#define TK_OPEN		0x28u		/* ( */
#define TK_CLOSE	0x29u		/* ) */
#define TK_DOT		0x2Eu		/* . (kept until Latin words are read) */

#define MAX_ABBR	10			/* longest abbreviation inside parentheses */
#define MAX_WORD	24			/* longest spelled-out legal form */
#define MAX_LATIN	20			/* longest Latin legal-form word */

/* ------------------------------------------------------------------------
 * Word lists.  Written in folded form (large full-width katakana, no long
 * vowel marks, upper-case ASCII), as they are compared after folding.
 * ------------------------------------------------------------------------ */

/* Abbreviations written in parentheses: the 全銀協 法人略語 and 営業所略語
 * (kana), the usual kanji abbreviations ((株) (有) (一社) ...), and Latin. */
static const char *const paren_abbrevs[] = {
	/* 法人略語 */
	"カ", "ユ", "メ", "シ", "ド", "イ", "ザイ", "シヤ", "シユウ", "ガク",
	"フク", "ソ", "ホゴ", "トクヒ", "ドク", "チドク", "ベン", "チユウ", "ギヨ",
	"シホウ", "ゼイ", "ダイ", "ノウ", "カンリ", "ロウム",
	/* 営業所略語, and 協同組合 as banks write it */
	"エイ", "シユツ", "キヨウ", "キヨウクミ",
	/* kanji */
	"株", "有", "名", "資", "同", "合", "医", "財", "社", "宗", "学", "福",
	"相", "特", "特非", "独", "地独", "弁", "税", "司", "行", "大", "農",
	"監", "企", "協", "労", "営", "出", "一社", "一財", "公社", "公財",
	"社福", "医社", "医財", "生協",
	/* Latin */
	"KK", "INC", "LTD", "LLC", "CO", "CORP", "COLTD", "NPO",
};

/* Legal forms spelled out, removed wherever they stand. */
static const char *const full_words[] = {
	"株式会社", "有限会社", "合名会社", "合資会社", "合同会社", "相互会社",
	"特例有限会社",
	"医療法人", "医療法人社団", "医療法人財団", "社会医療法人",
	"財団法人", "一般財団法人", "公益財団法人",
	"社団法人", "一般社団法人", "公益社団法人",
	"宗教法人", "学校法人", "社会福祉法人", "更生保護法人", "更正保護法人",
	"特定非営利活動法人", "NPO法人",
	"独立行政法人", "地方独立行政法人", "国立大学法人", "公立大学法人",
	"弁護士法人", "税理士法人", "司法書士法人", "行政書士法人",
	"社会保険労務士法人", "監査法人", "特許業務法人", "土地家屋調査士法人",
	"有限責任中間法人", "無限責任中間法人", "農事組合法人", "管理組合法人",
	"協同組合", "事業協同組合", "企業組合", "有限責任事業組合",
	/* readings, as customers and banks spell them out */
	"カブシキガイシヤ", "カブシキカイシヤ", "ユウゲンガイシヤ", "ユウゲンカイシヤ",
	"ゴウメイガイシヤ", "ゴウシガイシヤ", "ゴウドウガイシヤ", "ソウゴガイシヤ",
	"イリヨウホウジン", "イリヨウホウジンシヤダン", "イリヨウホウジンザイダン",
	"シヤカイイリヨウホウジン",
	"ザイダンホウジン", "イツパンザイダンホウジン", "コウエキザイダンホウジン",
	"シヤダンホウジン", "イツパンシヤダンホウジン", "コウエキシヤダンホウジン",
	"シユウキヨウホウジン", "ガツコウホウジン", "シヤカイフクシホウジン",
	"コウセイホゴホウジン", "トクテイヒエイリカツドウホウジン", "NPOホウジン",
	"ドクリツギヨウセイホウジン", "チホウドクリツギヨウセイホウジン",
	"コクリツダイガクホウジン", "コウリツダイガクホウジン",
	"ベンゴシホウジン", "ゼイリシホウジン", "シホウシヨシホウジン",
	"ギヨウセイシヨシホウジン", "シヤカイホケンロウムシホウジン", "カンサホウジン",
	"ノウジクミアイホウジン", "カンリクミアイホウジン", "キヨウドウクミアイ",
};

/* Latin legal-form words removed at the end of a name (dots ignored). */
static const char *const latin_trailing[] = {
	"LTD", "LIMITED", "INC", "INCORPORATED", "LLC", "LLP", "PLC", "CORP",
	"CORPORATION", "CO", "COMPANY", "COLTD", "KK", "GMBH", "AG", "SA", "NV",
	"BV", "PTE", "PTY", "SARL", "SRL",
	"KABUSHIKIKAISHA", "YUGENKAISHA", "GODOKAISHA",
};

/* ... and at the start. */
static const char *const latin_leading[] = {
	"KK", "KABUSHIKIKAISHA", "YUGENKAISHA", "GODOKAISHA",
};

/* First words of the two-word Romanized forms "KABUSHIKI KAISHA" etc. */
static const char *const latin_kaisha_first[] = {
	"KABUSHIKI", "YUGEN", "GODO", "GOMEI", "GOSHI",
};

#define lengthof(a) (sizeof(a) / sizeof((a)[0]))

typedef struct word
{
	uint8_t		len;
	uint32_t	cp[MAX_WORD];
} word;

static word paren_tab[lengthof(paren_abbrevs)];
static word full_tab[lengthof(full_words)];
/* Distinct first code points of full_tab (sorted by it), with ranges. */
static uint32_t full_first[lengthof(full_words)];
static uint16_t full_first_start[lengthof(full_words)];
static uint16_t full_first_end[lengthof(full_words)];
static int	full_first_n;
/* Prefilters over the BMP: first and last code points of full words. */
static uint64_t first_bits[1024];
static uint64_t last_bits[1024];
static int	tables_ready;

/* ------------------------------------------------------------------------
 * UTF-8
 * ------------------------------------------------------------------------ */

/*
 * Decode one code point at s[i]; returns its length, or 0 when the
 * sequence is ill-formed (then *bad is the number of bytes of it seen).
 * Overlong forms, surrogates and code points above U+10FFFF are refused.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp, size_t *bad)
{
	unsigned char b0 = s[i];
	size_t		need,
				k;
	uint32_t	c;
	unsigned char lo = 0x80,
				hi = 0xBF;

	if (b0 < 0x80)
	{
		*cp = b0;
		return 1;
	}
	if (b0 < 0xC2)
	{
		*bad = 1;
		return 0;
	}
	if (b0 < 0xE0)
	{
		need = 1;
		c = b0 & 0x1F;
	}
	else if (b0 < 0xF0)
	{
		need = 2;
		c = b0 & 0x0F;
		if (b0 == 0xE0)
			lo = 0xA0;
		else if (b0 == 0xED)
			hi = 0x9F;
	}
	else if (b0 < 0xF5)
	{
		need = 3;
		c = b0 & 0x07;
		if (b0 == 0xF0)
			lo = 0x90;
		else if (b0 == 0xF4)
			hi = 0x8F;
	}
	else
	{
		*bad = 1;
		return 0;
	}
	for (k = 1; k <= need; k++)
	{
		unsigned char b;

		/* report the bytes the lead byte claims, as far as there are any */
		if (i + k >= len)
		{
			*bad = len - i;
			return 0;
		}
		b = s[i + k];
		if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
		{
			*bad = (len - i < need + 1) ? len - i : need + 1;
			return 0;
		}
		c = (c << 6) | (b & 0x3F);
	}
	*cp = c;
	return need + 1;
}

static size_t
utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80)
	{
		out[0] = (char) c;
		return 1;
	}
	if (c < 0x800)
	{
		out[0] = (char) (0xC0 | (c >> 6));
		out[1] = (char) (0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000)
	{
		out[0] = (char) (0xE0 | (c >> 12));
		out[1] = (char) (0x80 | ((c >> 6) & 0x3F));
		out[2] = (char) (0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (c >> 18));
	out[1] = (char) (0x80 | ((c >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((c >> 6) & 0x3F));
	out[3] = (char) (0x80 | (c & 0x3F));
	return 4;
}

/* Decode a (well-formed, short) literal of the tables above into w. */
static void
word_from_utf8(const char *lit, word *w)
{
	const unsigned char *s = (const unsigned char *) lit;
	size_t		len = strlen(lit),
				i = 0,
				bad;

	w->len = 0;
	while (i < len && w->len < MAX_WORD)
	{
		uint32_t	c = 0;
		size_t		n = utf8_decode(s, len, i, &c, &bad);

		if (n == 0)
			break;				/* cannot happen: the literals are UTF-8 */
		w->cp[w->len++] = c;
		i += n;
	}
}

static inline void
bit_set(uint64_t *bits, uint32_t c)
{
	if (c < 0x10000)
		bits[c >> 6] |= (uint64_t) 1 << (c & 63);
}

static inline int
bit_test(const uint64_t *bits, uint32_t c)
{
	return c < 0x10000 && (bits[c >> 6] >> (c & 63)) & 1;
}

/* Longer words first within the same first code point. */
static int
word_before(const word *a, const word *b)
{
	if (a->cp[0] != b->cp[0])
		return a->cp[0] < b->cp[0];
	return a->len > b->len;
}

static void
tables_init(void)
{
	size_t		i,
				j;

	for (i = 0; i < lengthof(paren_abbrevs); i++)
		word_from_utf8(paren_abbrevs[i], &paren_tab[i]);
	for (i = 0; i < lengthof(full_words); i++)
		word_from_utf8(full_words[i], &full_tab[i]);
	/* insertion sort: a few dozen entries, once per process */
	for (i = 1; i < lengthof(full_words); i++)
	{
		word		w = full_tab[i];

		for (j = i; j > 0 && word_before(&w, &full_tab[j - 1]); j--)
			full_tab[j] = full_tab[j - 1];
		full_tab[j] = w;
	}
	full_first_n = 0;
	for (i = 0; i < lengthof(full_words); i++)
	{
		bit_set(first_bits, full_tab[i].cp[0]);
		bit_set(last_bits, full_tab[i].cp[full_tab[i].len - 1]);
		if (full_first_n == 0 || full_first[full_first_n - 1] != full_tab[i].cp[0])
		{
			full_first[full_first_n] = full_tab[i].cp[0];
			full_first_start[full_first_n] = (uint16_t) i;
			full_first_n++;
		}
		full_first_end[full_first_n - 1] = (uint16_t) (i + 1);
	}
	tables_ready = 1;
}

/* ------------------------------------------------------------------------
 * Step 1: fold characters into tokens.
 * ------------------------------------------------------------------------ */

typedef struct fold
{
	uint32_t   *tok;
	size_t		n;
	int			has_paren;
	int			has_latin;
} fold;

static inline void
put(fold *f, uint32_t t)
{
	if (t == TK_SEP && (f->n == 0 || f->tok[f->n - 1] == TK_SEP))
		return;					/* one separator is enough */
	f->tok[f->n++] = t;
}

static void
put_ascii(fold *f, uint32_t c)
{
	if (c >= 'a' && c <= 'z')
	{
		put(f, c - 0x20);
		f->has_latin = 1;
	}
	else if (c >= 'A' && c <= 'Z')
	{
		put(f, c);
		f->has_latin = 1;
	}
	else if (c >= '0' && c <= '9')
		put(f, c);
	else if (c == '(' || c == ')')
	{
		put(f, c);
		f->has_paren = 1;
	}
	else if (c == '.')
		put(f, TK_DOT);
	else
		put(f, TK_SEP);
}

/*
 * Latin-1 Supplement and Latin Extended-A letters, U+00C0..U+017F, as the
 * upper-case ASCII letter they are written with.  '-' is a symbol (× ÷);
 * digits stand for two letters: 1 AE, 2 TH, 3 SS, 4 IJ, 5 OE.
 */
static const char latin_fold[] =
	"AAAAAA1CEEEEIIII"			/* U+00C0 */
	"DNOOOOO-OUUUUY23"			/* U+00D0 */
	"AAAAAA1CEEEEIIII"			/* U+00E0 */
	"DNOOOOO-OUUUUY2Y"			/* U+00F0 */
	"AAAAAACCCCCCCCDD"			/* U+0100 */
	"DDEEEEEEEEEEGGGG"			/* U+0110 */
	"GGGGHHHHIIIIIIII"			/* U+0120 */
	"II44JJKKKLLLLLLL"			/* U+0130 */
	"LLLNNNNNNNNNOOOO"			/* U+0140 */
	"OO55RRRRRRSSSSSS"			/* U+0150 */
	"SSTTTTTTUUUUUUUU"			/* U+0160 */
	"UUUUWWYYYZZZZZZS";			/* U+0170 */

static void
put_latin(fold *f, uint32_t c)
{
	static const char pairs[][2] = {{'A', 'E'}, {'T', 'H'}, {'S', 'S'}, {'I', 'J'}, {'O', 'E'}};
	char		ch = latin_fold[c - 0xC0];

	if (ch == '-')
	{
		put(f, TK_SEP);
		return;
	}
	if (ch >= '1' && ch <= '5')
	{
		put(f, (uint32_t) pairs[ch - '1'][0]);
		put(f, (uint32_t) pairs[ch - '1'][1]);
	}
	else
		put(f, (uint32_t) ch);
	f->has_latin = 1;
}

/* Full-width katakana U+30A1..U+30FA: small to large, ヷ-ヺ without mark. */
static uint32_t
kata_large(uint32_t c)
{
	switch (c)
	{
		case 0x30A1: return 0x30A2;	/* ァ ア */
		case 0x30A3: return 0x30A4;	/* ィ イ */
		case 0x30A5: return 0x30A6;	/* ゥ ウ */
		case 0x30A7: return 0x30A8;	/* ェ エ */
		case 0x30A9: return 0x30AA;	/* ォ オ */
		case 0x30C3: return 0x30C4;	/* ッ ツ */
		case 0x30E3: return 0x30E4;	/* ャ ヤ */
		case 0x30E5: return 0x30E6;	/* ュ ユ */
		case 0x30E7: return 0x30E8;	/* ョ ヨ */
		case 0x30EE: return 0x30EF;	/* ヮ ワ */
		case 0x30F5: return 0x30AB;	/* ヵ カ */
		case 0x30F6: return 0x30B1;	/* ヶ ケ */
		case 0x30F7: return 0x30EF;	/* ヷ ワ */
		case 0x30F8: return 0x30F0;	/* ヸ ヰ */
		case 0x30F9: return 0x30F1;	/* ヹ ヱ */
		case 0x30FA: return 0x30F2;	/* ヺ ヲ */
		default: return c;
	}
}

/* Half-width katakana U+FF66..U+FF9D as full-width large katakana; 0 for
 * the half-width long vowel mark ｰ (a separator). */
static const uint16_t halfwidth_kana[] = {
	0x30F2,										/* ｦ */
	0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA,		/* ｧｨｩｪｫ */
	0x30E4, 0x30E6, 0x30E8, 0x30C4,				/* ｬｭｮｯ */
	0,											/* ｰ */
	0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA,		/* ｱｲｳｴｵ */
	0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3,		/* ｶｷｸｹｺ */
	0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD,		/* ｻｼｽｾｿ */
	0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8,		/* ﾀﾁﾂﾃﾄ */
	0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE,		/* ﾅﾆﾇﾈﾉ */
	0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB,		/* ﾊﾋﾌﾍﾎ */
	0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2,		/* ﾏﾐﾑﾒﾓ */
	0x30E4, 0x30E6, 0x30E8,						/* ﾔﾕﾖ */
	0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED,		/* ﾗﾘﾙﾚﾛ */
	0x30EF, 0x30F3,								/* ﾜﾝ */
};

/* Small katakana extension U+31F0..U+31FF (Ainu): ㇰ ㇱ ... as large. */
static const uint16_t small_kana_ext[] = {
	0x30AF, 0x30B7, 0x30B9, 0x30C8, 0x30CC, 0x30CF, 0x30D2, 0x30D5,
	0x30D8, 0x30DB, 0x30E0, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED,
};

/* The katakana a voiced (semi = 0) or semi-voiced (semi = 1) mark turns
 * base into, or 0 when the mark does not combine with it. */
static uint32_t
voiced(uint32_t base, int semi)
{
	if (base >= 0x30CF && base <= 0x30DB && (base - 0x30CF) % 3 == 0)
		return base + (semi ? 2 : 1);	/* ハヒフヘホ → バ.. / パ.. */
	if (semi)
		return 0;
	if (base >= 0x30AB && base <= 0x30C1 && (base & 1))
		return base + 1;		/* カ..チ → ガ..ヂ */
	switch (base)
	{
		case 0x30C4: return 0x30C5;	/* ツ ヅ */
		case 0x30C6: return 0x30C7;	/* テ デ */
		case 0x30C8: return 0x30C9;	/* ト ド */
		case 0x30A6: return 0x30F4;	/* ウ ヴ */
		case 0x30FD: return 0x30FE;	/* ヽ ヾ */
		default: return 0;
	}
}

/* A voiced or semi-voiced mark, spacing or combining, full or half width:
 * composed with the kana just before it, else dropped. */
static void
put_mark(fold *f, int semi)
{
	uint32_t	v;

	if (f->n == 0)
		return;
	v = voiced(f->tok[f->n - 1], semi);
	if (v != 0)
		f->tok[f->n - 1] = v;
}

/* Parenthesized and circled ideographs that abbreviate a legal form:
 * ㈱ ㊑ → (株) and so on; 0 for the others, which are kept as they are. */
static uint32_t
enclosed_legal(uint32_t c)
{
	switch (c)
	{
		case 0x3231: case 0x3291: case 0x337F: return 0x682A;	/* 株 */
		case 0x3232: case 0x3292: return 0x6709;	/* 有 */
		case 0x3233: case 0x3293: return 0x793E;	/* 社 */
		case 0x3234: case 0x3294: return 0x540D;	/* 名 */
		case 0x3235: case 0x3295: return 0x7279;	/* 特 */
		case 0x3236: case 0x3296: return 0x8CA1;	/* 財 */
		case 0x3238: case 0x3298: return 0x52B4;	/* 労 */
		case 0x323B: case 0x32AB: return 0x5B66;	/* 学 */
		case 0x323C: case 0x32AC: return 0x76E3;	/* 監 */
		case 0x323D: case 0x32AD: return 0x4F01;	/* 企 */
		case 0x323E: case 0x32AE: return 0x8CC7;	/* 資 */
		case 0x323F: case 0x32AF: return 0x5354;	/* 協 */
		case 0x32A9: return 0x533B;	/* 医 */
		case 0x32AA: return 0x5B97;	/* 宗 */
		default: return 0;
	}
}

static void
fold_char(fold *f, uint32_t c)
{
	uint32_t	k;

	if (c < 0x80)
		put_ascii(f, c);
	else if (c < 0xC0)
		put(f, TK_SEP);			/* C1 controls, Latin-1 punctuation and signs */
	else if (c < 0x180)
		put_latin(f, c);
	else if (c >= 0x300 && c < 0x370)
		;						/* combining accents: dropped with their accent */
	else if ((c >= 0x2000 && c < 0x2070) ||	/* general punctuation, dashes */
			 (c >= 0x20A0 && c < 0x20D0) ||	/* currency signs */
			 (c >= 0x2100 && c < 0x2150) ||	/* letterlike symbols */
			 (c >= 0x2190 && c < 0x2460) ||	/* arrows, math (− U+2212) */
			 (c >= 0x2500 && c < 0x2C00))	/* box drawing, shapes, dingbats */
		put(f, TK_SEP);
	else if (c >= 0x3000 && c < 0x3040)
	{
		/* CJK punctuation; 々 〆 〇 〻 are parts of names */
		if (c == 0x3005 || c == 0x3006 || c == 0x3007 || c == 0x303B)
			put(f, c);
		else
			put(f, TK_SEP);
	}
	else if (c >= 0x3041 && c <= 0x3096)
		put(f, kata_large(c + 0x60));	/* hiragana → katakana */
	else if (c == 0x3099 || c == 0x309B)
		put_mark(f, 0);
	else if (c == 0x309A || c == 0x309C)
		put_mark(f, 1);
	else if (c == 0x309D || c == 0x309E)
		put(f, c + 0x60);		/* ゝゞ → ヽヾ */
	else if (c == 0x30A0 || c == 0x30FB || c == 0x30FC)
		put(f, TK_SEP);			/* ゠ ・ ー */
	else if (c >= 0x30A1 && c <= 0x30FA)
		put(f, kata_large(c));
	else if (c >= 0x31F0 && c <= 0x31FF)
		put(f, small_kana_ext[c - 0x31F0]);
	else if ((c >= 0x3220 && c < 0x3250) || (c >= 0x3280 && c < 0x32C0) || c == 0x337F)
	{
		k = enclosed_legal(c);
		if (k != 0)
		{
			put(f, TK_OPEN);
			put(f, k);
			put(f, TK_CLOSE);
			f->has_paren = 1;
		}
		else
			put(f, c);
	}
	else if ((c >= 0xFE00 && c < 0xFE10) || c == 0xFEFF ||
			 (c >= 0xE0000 && c < 0xE0080) || (c >= 0xE0100 && c < 0xE01F0))
		;						/* variation selectors, BOM, tags: dropped */
	else if ((c >= 0xFE10 && c < 0xFE20) || (c >= 0xFE30 && c < 0xFE70))
		put(f, TK_SEP);			/* vertical and small forms of punctuation */
	else if (c >= 0xFF01 && c <= 0xFF5E)
		put_ascii(f, c - 0xFEE0);	/* full-width ASCII */
	else if (c == 0xFF5F)
	{
		put(f, TK_OPEN);
		f->has_paren = 1;
	}
	else if (c == 0xFF60)
	{
		put(f, TK_CLOSE);
		f->has_paren = 1;
	}
	else if (c >= 0xFF61 && c <= 0xFF65)
		put(f, TK_SEP);			/* ｡｢｣､･ */
	else if (c >= 0xFF66 && c <= 0xFF9D)
	{
		k = halfwidth_kana[c - 0xFF66];
		put(f, k != 0 ? k : TK_SEP);
	}
	else if (c == 0xFF9E)
		put_mark(f, 0);
	else if (c == 0xFF9F)
		put_mark(f, 1);
	else if ((c >= 0xFFE0 && c <= 0xFFEE) || (c >= 0xFFF9 && c <= 0xFFFD))
		put(f, TK_SEP);			/* full-width signs, specials */
	else
		put(f, c);
}

/* ------------------------------------------------------------------------
 * Step 2: abbreviations in parentheses.
 * ------------------------------------------------------------------------ */

static inline int
is_boundary(uint32_t t)
{
	return t == TK_SEP || t == TK_OPEN || t == TK_CLOSE || t == TK_DOT;
}

static int
is_paren_abbrev(const uint32_t *cp, size_t n)
{
	size_t		i;

	for (i = 0; i < lengthof(paren_tab); i++)
		if (paren_tab[i].len == n && memcmp(paren_tab[i].cp, cp, n * sizeof(uint32_t)) == 0)
			return 1;
	return 0;
}

static void
blank(uint32_t *tok, size_t from, size_t to)
{
	size_t		i;

	for (i = from; i <= to; i++)
		tok[i] = TK_SEP;
}

static void
remove_paren_abbrevs(uint32_t *tok, size_t n)
{
	uint32_t	buf[MAX_ABBR + 1];
	size_t		i,
				j,
				k;

	for (i = 0; i < n; i++)
	{
		uint32_t	t = tok[i];

		if (t == TK_OPEN)
		{
			/* "(X)" anywhere: spaces and dots inside are ignored ("(K.K.)") */
			for (j = i + 1, k = 0; j < n && k <= MAX_ABBR; j++)
			{
				if (tok[j] == TK_CLOSE || tok[j] == TK_OPEN)
					break;
				if (tok[j] != TK_SEP && tok[j] != TK_DOT)
					buf[k++] = tok[j];
			}
			if (j < n && tok[j] == TK_CLOSE && k > 0 && k <= MAX_ABBR && is_paren_abbrev(buf, k))
			{
				blank(tok, i, j);
				i = j;
				continue;
			}
			/* "(X" at the end of a word */
			for (j = i + 1, k = 0; j < n && !is_boundary(tok[j]) && k <= MAX_ABBR; j++)
				buf[k++] = tok[j];
			if (k > 0 && k <= MAX_ABBR && (j == n || tok[j] == TK_SEP || tok[j] == TK_DOT || tok[j] == TK_OPEN)
				&& is_paren_abbrev(buf, k))
			{
				blank(tok, i, j - 1);
				i = j - 1;
			}
		}
		else if (!is_boundary(t) && (i == 0 || tok[i - 1] == TK_SEP || tok[i - 1] == TK_CLOSE || tok[i - 1] == TK_DOT))
		{
			/* "X)" at the start of a word */
			for (j = i, k = 0; j < n && !is_boundary(tok[j]) && k <= MAX_ABBR; j++)
				buf[k++] = tok[j];
			if (j < n && tok[j] == TK_CLOSE && k <= MAX_ABBR && is_paren_abbrev(buf, k))
			{
				blank(tok, i, j);
				i = j;
			}
		}
	}
}

/* ------------------------------------------------------------------------
 * Step 3: Latin legal-form words at the end or the start.
 * ------------------------------------------------------------------------ */

/* The word tok[s..e) as upper-case ASCII without dots, or -1 when it is not
 * an ASCII word short enough to be a legal form. */
static int
latin_key(const uint32_t *tok, size_t s, size_t e, char *key)
{
	int			k = 0;
	size_t		i;

	for (i = s; i < e; i++)
	{
		uint32_t	t = tok[i];

		if (t == TK_DOT)
			continue;
		if (!((t >= 'A' && t <= 'Z') || (t >= '0' && t <= '9')) || k >= MAX_LATIN)
			return -1;
		key[k++] = (char) t;
	}
	key[k] = '\0';
	return k;
}

static int
in_list(const char *key, const char *const *list, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (strcmp(key, list[i]) == 0)
			return 1;
	return 0;
}

/* Words are runs of tokens between separators and parentheses; a lone dot
 * does not make a word. */
static inline int
word_sep(uint32_t t)
{
	return t == TK_SEP || t == TK_OPEN || t == TK_CLOSE;
}

static int
word_is_dots(const uint32_t *tok, size_t s, size_t e)
{
	for (; s < e; s++)
		if (tok[s] != TK_DOT)
			return 0;
	return 1;
}

/* The last word ending at or before end: [*s, *e).  0 when none. */
static int
word_before_pos(const uint32_t *tok, size_t end, size_t *s, size_t *e)
{
	size_t		i = end;

	for (;;)
	{
		while (i > 0 && word_sep(tok[i - 1]))
			i--;
		if (i == 0)
			return 0;
		*e = i;
		while (i > 0 && !word_sep(tok[i - 1]))
			i--;
		*s = i;
		if (!word_is_dots(tok, *s, *e))
			return 1;
	}
}

/* The first word starting at or after start: [*s, *e).  0 when none. */
static int
word_after_pos(const uint32_t *tok, size_t n, size_t start, size_t *s, size_t *e)
{
	size_t		i = start;

	for (;;)
	{
		while (i < n && word_sep(tok[i]))
			i++;
		if (i == n)
			return 0;
		*s = i;
		while (i < n && !word_sep(tok[i]))
			i++;
		*e = i;
		if (!word_is_dots(tok, *s, *e))
			return 1;
	}
}

static void
remove_latin_forms(uint32_t *tok, size_t n)
{
	char		key[MAX_LATIN + 1],
				key0[MAX_LATIN + 1];
	size_t		s1,
				e1,
				s0,
				e0,
				sx,
				ex,
				end = n,
				start = 0;

	/* at the end: "SAKURA TRADING CO., LTD." */
	while (word_before_pos(tok, end, &s1, &e1) && word_before_pos(tok, s1, &s0, &e0))
	{
		if (latin_key(tok, s1, e1, key) < 0)
			break;
		if (strcmp(key, "KAISHA") == 0 && latin_key(tok, s0, e0, key0) >= 0
			&& in_list(key0, latin_kaisha_first, lengthof(latin_kaisha_first)))
		{
			if (!word_before_pos(tok, s0, &sx, &ex))
				break;			/* never the only word left */
			blank(tok, s0, e1 - 1);
			end = s0;
			continue;
		}
		if (!in_list(key, latin_trailing, lengthof(latin_trailing)))
			break;
		blank(tok, s1, e1 - 1);
		end = s1;
	}
	/* at the start: "K.K. SAKURA", "KABUSHIKI KAISHA SAKURA" */
	while (word_after_pos(tok, n, start, &s0, &e0) && word_after_pos(tok, n, e0, &s1, &e1))
	{
		if (latin_key(tok, s0, e0, key0) < 0)
			break;
		if (latin_key(tok, s1, e1, key) >= 0 && strcmp(key, "KAISHA") == 0
			&& in_list(key0, latin_kaisha_first, lengthof(latin_kaisha_first)))
		{
			if (!word_after_pos(tok, n, e1, &sx, &ex))
				break;
			blank(tok, s0, e1 - 1);
			start = e1;
			continue;
		}
		if (!in_list(key0, latin_leading, lengthof(latin_leading)))
			break;
		blank(tok, s0, e0 - 1);
		start = e0;
	}
}

/* ------------------------------------------------------------------------
 * Step 5: spelled-out legal forms, wherever they stand.
 * ------------------------------------------------------------------------ */

/* Index in full_first of code point c, or -1. */
static int
full_first_index(uint32_t c)
{
	int			lo = 0,
				hi = full_first_n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (full_first[mid] == c)
			return mid;
		if (full_first[mid] < c)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * Remove full words from tok[0..n) in place; returns the new length.
 *
 * A forward scan takes the longest word at each position (so 医療法人社団
 * goes whole, not 医療法人 leaving 社団).  When it removed anything, a
 * second pass treats the output as a stack and pops a word as soon as one
 * ends on top; words that only appear once another was cut out of the
 * middle ("株株式会社式会社") go too, and no word is left anywhere, which is
 * what makes the whole normalization idempotent.
 */
static size_t
remove_full_words(uint32_t *tok, size_t n)
{
	size_t		r = 0,
				w = 0,
				i;
	int			removed = 0;

	while (r < n)
	{
		uint32_t	c = tok[r];
		int			idx;

		if (bit_test(first_bits, c) && (idx = full_first_index(c)) >= 0)
		{
			int			hit = 0;

			for (i = full_first_start[idx]; i < full_first_end[idx]; i++)
			{
				const word *wd = &full_tab[i];

				if (r + wd->len <= n && memcmp(wd->cp, tok + r, wd->len * sizeof(uint32_t)) == 0)
				{
					r += wd->len;
					hit = 1;
					break;
				}
			}
			if (hit)
			{
				removed = 1;
				continue;
			}
		}
		tok[w++] = tok[r++];
	}
	if (!removed)
		return w;

	n = w;
	w = 0;
	for (r = 0; r < n; r++)
	{
		tok[w++] = tok[r];
		if (!bit_test(last_bits, tok[r]))
			continue;
		for (i = 0; i < lengthof(full_words); i++)
		{
			const word *wd = &full_tab[i];

			if (wd->len <= w && memcmp(wd->cp, tok + w - wd->len, wd->len * sizeof(uint32_t)) == 0)
			{
				w -= wd->len;
				break;
			}
		}
	}
	return w;
}

/* ------------------------------------------------------------------------
 * The whole thing.
 * ------------------------------------------------------------------------ */

kana_status
kana_normalize(const char *in, size_t len, uint32_t *scratch,
			   char *out, size_t outcap, size_t *outlen,
			   size_t *bad_offset, size_t *bad_len)
{
	const unsigned char *s = (const unsigned char *) in;
	fold		f;
	size_t		i = 0,
				n,
				w,
				o = 0;

	*outlen = 0;
	if (!tables_ready)
		tables_init();

	f.tok = scratch;
	f.n = 0;
	f.has_paren = 0;
	f.has_latin = 0;
	while (i < len)
	{
		uint32_t	c;
		size_t		bad = 0;
		size_t		k;

		if (s[i] < 0x80)		/* fast path */
		{
			put_ascii(&f, s[i]);
			i++;
			continue;
		}
		k = utf8_decode(s, len, i, &c, &bad);
		if (k == 0)
		{
			*bad_offset = i;
			*bad_len = bad;
			return KANA_INVALID_UTF8;
		}
		fold_char(&f, c);
		i += k;
	}
	n = f.n;

	if (f.has_paren)
		remove_paren_abbrevs(f.tok, n);
	if (f.has_latin)
		remove_latin_forms(f.tok, n);

	/* drop separators, parentheses and dots */
	for (i = 0, w = 0; i < n; i++)
		if (!is_boundary(f.tok[i]))
			f.tok[w++] = f.tok[i];
	n = remove_full_words(f.tok, w);

	for (i = 0; i < n; i++)
	{
		char		buf[4];
		size_t		k = utf8_encode(f.tok[i], buf);

		if (o + k > outcap)
			return KANA_NO_SPACE;
		memcpy(out + o, buf, k);
		o += k;
	}
	*outlen = o;
	return KANA_OK;
}

/*
 * zengin.h: reader of 全銀協 (Zengin) bank files.
 *
 * 振込入金通知 (種別コード 01) and 入出金取引明細 (種別コード 03): 200-byte
 * fixed-width records -- header (データ区分 1), data (2), trailer (8),
 * end (9) -- each optionally followed by CRLF or LF, in JIS X 0201 (the
 * single-byte half of Shift_JIS: ASCII and half-width katakana), dates in
 * the Japanese era calendar.  The layouts are in docs/cash-application.md.
 *
 * Plain C: no PostgreSQL headers, no allocation, explicit lengths.  The
 * reader hands out one data record at a time; the trailer of each group is
 * checked against the data records it closes, so a caller that wants all
 * or nothing reads to ZENGIN_DONE before using anything.
 */
#ifndef PGR_CORE_ZENGIN_H
#define PGR_CORE_ZENGIN_H

#include <stddef.h>
#include <stdint.h>

#define ZENGIN_RECORD_LEN 200

/* A calendar date; year 0 means "none". */
typedef struct zengin_date
{
	int			year;
	int			month;
	int			day;
} zengin_date;

/* The header of the group a data record belongs to. */
typedef struct zengin_header
{
	int			record_no;
	int			kind;			/* 1 振込入金通知, 3 入出金取引明細 */
	zengin_date created;		/* 作成日 */
	zengin_date from;			/* 勘定日(自) */
	zengin_date to;				/* 勘定日(至) */
	char		bank_code[5];	/* 銀行コード */
	char		bank_name[46];	/* 銀行名, UTF-8 */
	char		branch_code[4]; /* 支店コード */
	char		branch_name[46];	/* 支店名, UTF-8 */
	char		account_type[2];	/* 預金種目, "" when blank */
	char		account_no[11]; /* 口座番号: 7 digits (01), 10 digits (03) */
	char		account_name[121];	/* 口座名, UTF-8 */
} zengin_header;

/* One data record.  Text fields are UTF-8 without trailing spaces; "" when
 * blank. */
typedef struct zengin_item
{
	int			record_no;		/* 1-based position in the file */
	int			group_no;		/* 1-based header group */
	int			kind;			/* 1 or 3, from the group's header */
	zengin_date account_date;	/* 勘定日 */
	zengin_date value_date;		/* 起算日 / 預入・払出日 (勘定日 when blank) */
	int64_t		amount;			/* 金額 / 取引金額, yen */
	int			deposit;		/* 1 入金, 0 出金 (03 入払区分 2) */
	int			transaction_code;	/* 03 取引区分 (10..19); -1 blank or 01 */
	int			cancelled;		/* 01 取消区分 1 */
	char		inquiry_no[9];	/* 照会番号 as written, "" when blank */
	char		payer_code[11]; /* 振込依頼人コード, "" when blank */
	char		payer_name[145];	/* 振込依頼人名 (半角カナ as UTF-8) */
	char		bank_name[46];	/* 仕向銀行名 */
	char		branch_name[46];	/* 仕向店名 */
	char		edi_info[61];	/* EDI情報 */
	char		description[61];	/* 03 摘要内容 */
	const zengin_header *header;
} zengin_item;

typedef enum zengin_result
{
	ZENGIN_ITEM,				/* *item holds the next data record */
	ZENGIN_DONE,				/* the end record was read; all checks passed */
	ZENGIN_ERROR				/* p->error says what and where */
} zengin_result;

typedef struct zengin_parser
{
	const unsigned char *data;
	size_t		len;
	size_t		pos;
	int			framing;		/* 0 unknown, 1 fixed 200-byte, 2 newlines */
	int			record_no;		/* records read so far */
	int			state;			/* internal */
	zengin_date as_of;			/* the day the file is read */
	int			group_no;
	zengin_header header;
	/* the open group's data records, for its trailer */
	int64_t		n_all,
				sum_all,
				n_cancel,
				sum_cancel,
				n_in,
				sum_in,
				n_out,
				sum_out;
	char		error[512];		/* message when ZENGIN_ERROR */
	const char *hint;			/* a hint for it, or NULL */
} zengin_parser;

/* Read data[0..len); as_of is the day the file is read (today), against
 * which the era year of the creation date is resolved. */
extern void zengin_init(zengin_parser *p, const void *data, size_t len, zengin_date as_of);
extern zengin_result zengin_next(zengin_parser *p, zengin_item *item);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
extern int64_t zengin_days(zengin_date d);

#endif							/* PGR_CORE_ZENGIN_H */

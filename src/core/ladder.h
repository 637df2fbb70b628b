/*
 * ladder.h: escalation ladders (dunning steps), plain C.
 *
 * A ladder is a list of at most LADDER_MAX_STEPS steps, each
 * "OFFSET CHANNEL[:TEMPLATE] [min=AMOUNT] [gap=DAYS] [fee=AMOUNT]
 * [interest=RATE] [stop]", separated by ';'.  This file parses the text form,
 * prints the canonical form, encodes and decodes the byte form that is both
 * the stored value and the binary send/recv format, and chooses the next
 * step for a customer.  No allocation, no PostgreSQL headers: the fmgr layer
 * in src/ladder.c and the fuzz harness both link it.
 */
#ifndef PGR_CORE_LADDER_H
#define PGR_CORE_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LADDER_MAX_STEPS		32
#define LADDER_MAX_TEMPLATE		63		/* bytes of a template name */
#define LADDER_MAX_OFFSET		3650	/* |offset| in days */
#define LADDER_MAX_GAP			3650	/* gap in days */
/* Amounts and rates are fixed point with four decimals (minor units go to 4). */
#define LADDER_SCALE			10000
#define LADDER_SCALE_DIGITS		4
#define LADDER_MAX_INT_DIGITS	14		/* digits before the decimal point */
#define LADDER_MAX_INTEREST		((int64_t) 100 * LADDER_SCALE)	/* 100 % a year */

/* Byte form: version, step count, reserved, then the steps (big-endian). */
#define LADDER_FORMAT_VERSION	1
#define LADDER_HEADER_BYTES		4
/* Largest byte form: header + per step 4+1+1+4+8+8+8+1+63. */
#define LADDER_MAX_BYTES		(LADDER_HEADER_BYTES + LADDER_MAX_STEPS * 98)
/* Longest canonical text is far below this. */
#define LADDER_MAX_TEXT			(LADDER_MAX_STEPS * 160)

typedef enum LadderChannel
{
	LADDER_CH_EMAIL = 1,
	LADDER_CH_SMS,
	LADDER_CH_LETTER,
	LADDER_CH_CALL,
	LADDER_CH_AGENCY,
	LADDER_CH_RETRY,
	LADDER_CH_INTERNAL,
	LADDER_CH_WEBHOOK
} LadderChannel;
#define LADDER_CH_LAST LADDER_CH_WEBHOOK

/* Step flags. */
#define LADDER_HAS_MIN		0x01
#define LADDER_HAS_GAP		0x02
#define LADDER_HAS_FEE		0x04
#define LADDER_HAS_INTEREST	0x08
#define LADDER_TERMINAL		0x10
#define LADDER_FLAGS_KNOWN	0x1F

typedef struct LadderStep
{
	int32_t		offset_days;	/* days past due; negative = before due */
	int32_t		gap_days;		/* valid with LADDER_HAS_GAP */
	int64_t		min_amount;		/* x LADDER_SCALE, valid with LADDER_HAS_MIN */
	int64_t		fee_amount;		/* x LADDER_SCALE, valid with LADDER_HAS_FEE */
	int64_t		interest_rate;	/* annual %, x LADDER_SCALE, valid with LADDER_HAS_INTEREST */
	uint8_t		channel;		/* LadderChannel */
	uint8_t		flags;
	uint8_t		template_len;	/* 0 = no template */
	char		template_name[LADDER_MAX_TEMPLATE + 1];	/* NUL-terminated */
} LadderStep;

typedef struct Ladder
{
	int			nsteps;
	LadderStep	steps[LADDER_MAX_STEPS];
} Ladder;

/* Error classes, mapped to SQLSTATEs by the fmgr layer. */
typedef enum LadderErrorCode
{
	LADDER_OK = 0,
	LADDER_ERR_SYNTAX,			/* 22P02 */
	LADDER_ERR_BINARY,			/* 22P03: malformed byte form */
	LADDER_ERR_PARAM			/* 22023: bad function argument */
} LadderErrorCode;

typedef struct LadderError
{
	LadderErrorCode code;
	char		message[256];
	char		hint[256];		/* empty when there is none */
} LadderError;

/* Parse the text form (len bytes, not NUL-terminated). */
extern int	ladder_parse(const char *text, size_t len, Ladder *out, LadderError *err);

/*
 * Write the canonical text form into buf (at most cap bytes including the
 * NUL).  Returns the length of the full text; if that is >= cap the output
 * was cut.
 */
extern size_t ladder_format(const Ladder *ladder, char *buf, size_t cap);

/* Encode into buf (cap >= ladder_encoded_size); returns the bytes written. */
extern size_t ladder_encoded_size(const Ladder *ladder);
extern size_t ladder_encode(const Ladder *ladder, uint8_t *buf, size_t cap);

/* Decode and validate everything; the inverse of ladder_encode. */
extern int	ladder_decode(const uint8_t *buf, size_t len, Ladder *out, LadderError *err);

/* Checks every rule of a ladder (used by decode; parse output passes it). */
extern int	ladder_validate(const Ladder *ladder, LadderError *err);

/*
 * Does the overdue amount reach the step's min?  The fmgr layer compares
 * numerics exactly; the harness uses fixed point.  Called only for steps
 * with LADDER_HAS_MIN.
 */
typedef bool (*ladder_min_check) (void *ctx, const LadderStep *step);

/*
 * The next step to send (1-based), or 0 for none.
 *	 days_past_due			days past due of the oldest eligible item
 *	 last_step				highest step sent in this episode; 0 = none
 *	 days_since_known		false = no notice sent yet (every gap holds)
 *	 days_since_last_notice days since the last notice
 * last_step must be >= 0 (the fmgr layer reports negative ones).
 * Rules: see docs/dunning.md, "Choosing the next step".
 */
extern int	ladder_next_step(const Ladder *ladder, int32_t days_past_due,
							 int32_t last_step, bool days_since_known,
							 int32_t days_since_last_notice,
							 ladder_min_check min_ok, void *ctx);

/* Lower-case channel name, or NULL for an unknown code. */
extern const char *ladder_channel_name(int channel);

/*
 * Fixed-point value (x LADDER_SCALE, >= 0) as decimal text without trailing
 * zeros: 10000000 -> "1000", 12345 -> "1.2345".  buf needs 32 bytes.
 */
extern size_t ladder_format_fixed(int64_t value, char *buf);

#endif							/* PGR_CORE_LADDER_H */

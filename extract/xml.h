/*
 * xml.h - the streaming reader of the city handover XML format.
 *
 * shared/spec/handover-xml.md is the contract; extract/schema/handover-1.xsd
 * says the same in XML Schema.  The reader is a libxml2 SAX2 push parser
 * fed 256 KiB at a time (plain or gzip, told by the magic bytes), never a
 * document tree, so memory is flat whatever the file's size.  It enforces
 * every rule of the spec as it goes - well-formedness, encoding (UTF-8 or
 * GB18030, BOM or not), root and namespace, section order, every element
 * and attribute, the value grammars, no DOCTYPE or entities - and at the
 * end the Trailer's counts and sums against what the file held.  Natural
 * keys are checked by the emitter (opened with check_keys).  The first
 * violation stops the parse: TC_EINPUT with the file, line and column, the
 * element and attribute, the value (identity numbers masked) and what was
 * expected.
 *
 * A plain file of 8 MiB or more is parsed in segments of at least 4 MiB,
 * cut at record elements, one parser per segment, on every core (xml.c,
 * "segments", tells how and why that can never change the answer: any
 * doubt reads the file again as one).  The segments depend on the file's
 * bytes only, so the batches are the same on every machine.
 *
 * A bad check digit (GB 11643 identity number, GB 32100 credit code) is not
 * a violation: it is counted here and reported by the reconciliation.
 */
#ifndef TC_XML_H
#define TC_XML_H

#include "core/err.h"
#include "extract/emit.h"

typedef struct tc_xml_stats {
    long long elements;        /* elements read */
    long long bad_id_check;    /* identity numbers failing GB 11643 */
    long long bad_uscc_check;  /* credit codes failing GB 32100 */
    int segments;              /* parsed in this many segments at once, or 0 */
} tc_xml_stats;

/* Read path into em (which the caller then commits or aborts). */
int tc_xml_extract(const char *path, tc_emit *em, tc_xml_stats *st, tc_err *e);

/* For tests: the smallest segment a large file is cut into (default 4 MiB;
 * 0 restores it).  Process-wide; changes which files are read in segments,
 * and so their batches' bytes, never their records. */
void tc_xml_set_segment_size(long bytes);

#endif

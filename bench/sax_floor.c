/*
 * sax_floor.c - the floor for XML extraction (shared/bench.md): libxml2's
 * SAX2 push parser over a file, plain or gzip, with callbacks that do
 * nothing but count elements.  bench/extract.sh runs it and `tongchou
 * extract` alternately on the same file and prints the ratio.
 *
 *   sax_floor FILE     prints the element count
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <zlib.h>

static long elements;

static void start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                  int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
    (void)ctx, (void)localname, (void)prefix, (void)uri, (void)nns, (void)ns, (void)nattr,
        (void)ndef, (void)attrs;
    elements++;
}

static void quiet(void *ctx, const xmlError *err)
{
    (void)ctx;
    fprintf(stderr, "sax_floor: line %d: %s", err->line, err->message);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sax_floor FILE\n");
        return 2;
    }
    gzFile f = gzopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    gzbuffer(f, 1 << 18);
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = start;
    sax.serror = (xmlStructuredErrorFunc)quiet;
    static char buf[1 << 18];
    int n = gzread(f, buf, 4);
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, NULL, buf, n > 0 ? n : 0, argv[1]);
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOENT * 0);
    int rc = 0;
    while ((n = gzread(f, buf, sizeof(buf))) > 0)
        if ((rc = xmlParseChunk(ctxt, buf, n, 0)) != 0)
            break;
    if (!rc)
        rc = xmlParseChunk(ctxt, buf, 0, 1);
    gzclose(f);
    xmlFreeParserCtxt(ctxt);
    printf("%ld\n", elements);
    return rc ? 1 : 0;
}

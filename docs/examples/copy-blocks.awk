# copy-blocks.awk - cut a plain pg_dump into one PostgreSQL COPY text file
# per table (its COPY blocks are just that) with a check file giving the
# row count: unl/TABLE.txt and unl/TABLE.txt.chk.  docs/profiles.md's
# example of an unload.
/^COPY public\./ { t = substr($2, 8); f = "unl/" t ".txt"; printf "" > f; n = 0; next }
t && /^\\\.$/    { print n > ("unl/" t ".txt.chk"); close(f); t = ""; next }
t                { print > f; n++ }

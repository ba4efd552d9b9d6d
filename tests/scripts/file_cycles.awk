# file_cycles.awk - cycles between the object files of one static library.
#
#   nm -A -g libtc_X.a | awk -f file_cycles.awk
#   nm -A -g dir/*.o | awk -f file_cycles.awk
#
# An edge a -> b when a.o uses a symbol that b.o defines; prints every
# strongly connected component of more than one file (Tarjan), one line
# each: "a.o b.o ...".  Prints nothing when the files form a tree.
{
  # "lib.a:obj.o:0000000000000000 T name", "lib.a:obj.o: U name" (an
  # archive) or "dir/obj.o:0000000000000000 T name" (an object file)
  obj = $1
  sub(/:[0-9a-f]*$/, "", obj)
  sub(/^.*[:\/]/, "", obj)
  if (obj == "") next
  files[obj] = 1
  if ($2 == "U") { uses[obj, $3] = 1; used[obj] = used[obj] " " $3 }
  else if (NF >= 3 && $2 ~ /^[TDBRCVWGS]$/) defs[$3] = obj
}
function strong(v,    n, i, w, list, c) {
  index_[v] = low[v] = ++counter
  stack[++sp] = v; onstack[v] = 1
  n = split(adj[v], list, " ")
  for (i = 1; i <= n; i++) {
    w = list[i]
    if (!(w in index_)) { strong(w); if (low[w] < low[v]) low[v] = low[w] }
    else if (onstack[w] && index_[w] < low[v]) low[v] = index_[w]
  }
  if (low[v] == index_[v]) {
    c = ""; n = 0
    do { w = stack[sp--]; onstack[w] = 0; c = w " " c; n++ } while (w != v)
    if (n > 1) print c
  }
}
END {
  for (f in files) {
    n = split(used[f], list, " ")
    for (i = 1; i <= n; i++) {
      d = defs[list[i]]
      if (d != "" && d != f && !((f, d) in edge)) { edge[f, d] = 1; adj[f] = adj[f] " " d }
    }
  }
  for (f in files) if (!(f in index_)) strong(f)
}

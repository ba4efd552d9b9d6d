/*
 * perm.c - see perm.h.
 */
#include "core/perm.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

static gid_t shared_gid;
static char shared_name[64];   /* "" when owner-only */

void tc_perm_init(void)
{
    umask(077);
}

/* 1 when the process may give a file to gid: its own group or one of its
 * supplementary groups (root may give any). */
static int in_group(gid_t gid)
{
    if (geteuid() == 0 || getegid() == gid)
        return 1;
    int n = getgroups(0, NULL);
    if (n <= 0)
        return 0;
    gid_t *g = calloc((size_t)n, sizeof(*g));
    if (!g)
        return 0;
    n = getgroups(n, g);
    int found = 0;
    for (int i = 0; i < n && !found; i++)
        found = g[i] == gid;
    free(g);
    return found;
}

int tc_perm_share(const char *name, tc_err *e)
{
    if (!name || !name[0]) {
        shared_name[0] = '\0';
        umask(077);
        return 0;
    }
    if (strlen(name) >= sizeof(shared_name))
        return tc_fail(e, TC_EUSAGE, "the group name '%.32s...' is too long", name);
    struct group *g = getgrnam(name);
    if (!g) {
        tc_fail(e, TC_EUSAGE, "there is no group '%s' to share the files with", name);
        return tc_err_hint(e, "name a group of this machine (getent group), or leave the "
                              "setting out to keep every file its owner's alone");
    }
    if (!in_group(g->gr_gid)) {
        tc_fail(e, TC_EUSAGE, "you are not in the group '%s', so files cannot be given to it",
                name);
        return tc_err_hint(e, "ask for membership of '%s' (usermod -aG), or name a group you "
                              "are in (id -Gn)", name);
    }
    shared_gid = g->gr_gid;
    snprintf(shared_name, sizeof(shared_name), "%s", name);
    umask(027);
    return 0;
}

const char *tc_perm_group(void) { return shared_name; }
mode_t tc_perm_file(void) { return shared_name[0] ? 0640 : 0600; }
mode_t tc_perm_dir(void) { return shared_name[0] ? 0750 : 0700; }

int tc_perm_fd(int fd, mode_t mode, const char *what, tc_err *e)
{
    if (shared_name[0] && (mode & 0070) && fchown(fd, (uid_t)-1, shared_gid) != 0)
        return tc_fail(e, TC_EIO, "cannot give %s to the group '%s': %s", what, shared_name,
                       strerror(errno));
    if (fchmod(fd, mode) != 0)
        return tc_fail(e, TC_EIO, "cannot set the mode of %s: %s", what, strerror(errno));
    return 0;
}

int tc_perm_path(const char *path, mode_t mode, tc_err *e)
{
    if (shared_name[0] && (mode & 0070) && chown(path, (uid_t)-1, shared_gid) != 0)
        return tc_fail(e, TC_EIO, "cannot give %s to the group '%s': %s", path, shared_name,
                       strerror(errno));
    if (chmod(path, mode) != 0)
        return tc_fail(e, TC_EIO, "cannot set the mode of %s: %s", path, strerror(errno));
    return 0;
}

int tc_perm_check(const char *path, const char *what)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    mode_t m = st.st_mode;
    const char *who = NULL;
    if (m & 0004)
        who = "every account on this machine";
    else if ((m & 0040) && !(shared_name[0] && st.st_gid == shared_gid))
        who = "its group";
    if (!who)
        return 0;
    /* With a shared group, only others need shutting out of a file of that group. */
    int others_only = shared_name[0] && st.st_gid == shared_gid;
    const char *fix = others_only ? (S_ISDIR(m) ? "chmod o-rwx" : "chmod o-rw")
                                  : (S_ISDIR(m) ? "chmod go-rwx" : "chmod go-rw");
    tc_log_warning("%s %s can be read by %s (mode %04o), and it holds personal data: %s %s",
                   what, path, who, (unsigned)(m & 07777), fix, path);
    return 1;
}

/*
 * test_merkle.c - the RFC 6962 tree against the test vectors Certificate
 * Transparency implementations share (transparency-dev/merkle
 * testonly/constants.go, certificate-transparency merkle_tree_test.cc): the
 * eight leaves "", 00, 10, 2021, 3031, 40414243, 5051525354555657,
 * 606162636465666768696a6b6c6d6e6f, the root of every prefix, published
 * inclusion and consistency proofs; then every leaf of every tree up to 37
 * leaves proved and verified, and every one-bit change to a proof, an
 * index, a size or a root refused.
 */
#include "tests/support/tctest.h"

#include "core/merkle.h"

static const char *leaves_hex[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

/* MTH of the first n leaves, n = 0..8. */
static const char *roots_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void unhex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void tohex(const uint8_t *h, char *out)
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", h[i]);
}

static tc_mhash vec[8];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++) {
        uint8_t d[16];
        unhex(leaves_hex[i], d);
        tc_merkle_leaf(d, strlen(leaves_hex[i]) / 2, vec[i]);
    }
    return 0;
}

static void test_roots(void **state)
{
    (void)state;
    for (int n = 0; n <= 8; n++) {
        uint8_t r[32];
        char hx[65];
        tc_merkle_root(vec, (uint64_t)n, r);
        tohex(r, hx);
        assert_string_equal(hx, roots_hex[n]);
    }
}

typedef struct {
    uint64_t a, n;      /* leaf index (inclusion) or first size (consistency), tree size */
    int np;
    const char *p[4];
} probe;

static const probe inclusion[] = {
    {0, 1, 0, {NULL}},
    {0, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5, 3, {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const probe consistency[] = {
    {1, 1, 0, {NULL}},
    {1, 8, 3, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
               "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
               "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
               "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {2, 8, 2, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
               "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
};

static void test_published_inclusion(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof(inclusion) / sizeof(inclusion[0]); t++) {
        const probe *p = &inclusion[t];
        tc_mhash got[TC_MERKLE_MAXPROOF], want[4];
        int n = tc_merkle_inclusion_proof(vec, p->n, p->a, got);
        assert_int_equal(n, p->np);
        for (int i = 0; i < n; i++) {
            char hx[65];
            tohex(got[i], hx);
            assert_string_equal(hx, p->p[i]);
            unhex(p->p[i], want[i]);
        }
        uint8_t root[32];
        unhex(roots_hex[p->n], root);
        assert_int_equal(tc_merkle_inclusion_verify(vec[p->a], p->a, p->n, want, n, root), 1);
    }
}

static void test_published_consistency(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof(consistency) / sizeof(consistency[0]); t++) {
        const probe *p = &consistency[t];
        tc_mhash got[TC_MERKLE_MAXPROOF], want[4];
        int n = tc_merkle_consistency_proof(vec, p->a, p->n, got);
        assert_int_equal(n, p->np);
        for (int i = 0; i < n; i++) {
            char hx[65];
            tohex(got[i], hx);
            assert_string_equal(hx, p->p[i]);
            unhex(p->p[i], want[i]);
        }
        uint8_t r1[32], r2[32];
        unhex(roots_hex[p->a], r1);
        unhex(roots_hex[p->n], r2);
        assert_int_equal(tc_merkle_consistency_verify(p->a, p->n, r1, r2, want, n), 1);
        /* the roots swapped do not verify (unless equal) */
        if (p->a != p->n)
            assert_int_equal(tc_merkle_consistency_verify(p->a, p->n, r2, r1, want, n), 0);
    }
}

static void test_every_shape(void **state)
{
    (void)state;
    enum { N = 37 };
    tc_mhash lv[N];
    for (int i = 0; i < N; i++) {
        uint8_t d[2] = {(uint8_t)i, (uint8_t)(i * 7)};
        tc_merkle_leaf(d, 2, lv[i]);
    }
    long checked = 0, refused = 0;
    for (uint64_t n = 1; n <= N; n++) {
        uint8_t root[32];
        tc_merkle_root(lv, n, root);
        for (uint64_t i = 0; i < n; i++) {
            tc_mhash p[TC_MERKLE_MAXPROOF];
            int np = tc_merkle_inclusion_proof(lv, n, i, p);
            assert_true(np >= 0);
            assert_int_equal(tc_merkle_inclusion_verify(lv[i], i, n, p, np, root), 1);
            checked++;
            /* a wrong index or leaf, or a flipped proof bit, is refused */
            if (n > 1) {
                assert_int_equal(tc_merkle_inclusion_verify(lv[i], (i + 1) % n, n, p, np, root), 0);
                assert_int_equal(tc_merkle_inclusion_verify(lv[(i + 1) % n], i, n, p, np, root), 0);
                refused += 2;
            }
            /* (no "wrong size" probe: an audit path of a leaf in a left,
             * complete subtree is the same for several sizes; the signed
             * checkpoint, not the path, fixes the size) */
            for (int k = 0; k < np; k++) {
                p[k][k % 32] ^= 0x01;
                assert_int_equal(tc_merkle_inclusion_verify(lv[i], i, n, p, np, root), 0);
                p[k][k % 32] ^= 0x01;
                refused++;
            }
        }
        for (uint64_t m = 1; m <= n; m++) {
            uint8_t r1[32];
            tc_merkle_root(lv, m, r1);
            tc_mhash p[TC_MERKLE_MAXPROOF];
            int np = tc_merkle_consistency_proof(lv, m, n, p);
            assert_int_equal(tc_merkle_consistency_verify(m, n, r1, root, p, np), 1);
            checked++;
            for (int k = 0; k < np; k++) {
                p[k][0] ^= 0x80;
                assert_int_equal(tc_merkle_consistency_verify(m, n, r1, root, p, np), 0);
                p[k][0] ^= 0x80;
                refused++;
            }
        }
    }
    /* 703 inclusion proofs (1 + 2 + ... + 37) and 703 consistency proofs */
    assert_int_equal(checked, 1406);
    assert_true(refused > 2000);
    uint8_t r[32];
    tc_mhash p[TC_MERKLE_MAXPROOF];
    tc_merkle_root(lv, 5, r);
    assert_int_equal(tc_merkle_inclusion_proof(lv, 5, 5, p), -1);
    assert_int_equal(tc_merkle_inclusion_verify(lv[0], 5, 5, p, 0, r), 0);
    assert_int_equal(tc_merkle_consistency_proof(lv, 0, 5, p), -1);
    assert_int_equal(tc_merkle_consistency_proof(lv, 6, 5, p), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_published_inclusion),
        cmocka_unit_test(test_published_consistency),
        cmocka_unit_test(test_every_shape),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

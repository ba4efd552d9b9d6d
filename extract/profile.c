/* extract/profile.c: being written */
typedef int tc_stub_profile;

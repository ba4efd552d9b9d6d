/* extract/xml.c: being written */
typedef int tc_stub_xml;

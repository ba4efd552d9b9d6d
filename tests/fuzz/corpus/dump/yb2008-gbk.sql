\restrict tongchouexamplecity
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'GBK';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE public.cz_bz (
    jb character(1) NOT NULL,
    xzlx character(2) NOT NULL,
    nd integer NOT NULL,
    ydje numeric(16,2),
    sdje numeric(16,2)
);
CREATE TABLE public.gr_zh (
    sfzh character varying(18) NOT NULL,
    xzlx character(2) NOT NULL,
    ye numeric(16,2)
);
CREATE TABLE public.kj_km (
    kmdm character varying(10) NOT NULL,
    kmmc character varying(60),
    kmlb character(1)
);
CREATE TABLE public.kj_kmye (
    xzlx character(2) NOT NULL,
    kmdm character varying(10) NOT NULL,
    kjqj character(6) NOT NULL,
    qcye numeric(16,2),
    jffs numeric(16,2),
    dffs numeric(16,2),
    qmye numeric(16,2)
);
CREATE TABLE public.kj_pz (
    pzh character varying(20) NOT NULL,
    rq date,
    xzlx character(2),
    zy character varying(200)
);
CREATE TABLE public.kj_pzmx (
    pzh character varying(20) NOT NULL,
    hh integer NOT NULL,
    kmdm character varying(10),
    jfje numeric(16,2),
    dfje numeric(16,2),
    yhlsh character varying(30),
    zy character varying(200)
);
CREATE TABLE public.xt_dw (
    dwbm character(6) NOT NULL,
    dwmc character varying(60),
    jzrq date
);
CREATE TABLE public.yh_dzd (
    zh character varying(30) NOT NULL,
    rq date,
    lsh character varying(30) NOT NULL,
    je numeric(16,2),
    ye numeric(16,2)
);
CREATE TABLE public.yh_zh (
    zh character varying(30) NOT NULL,
    xzlx character(2),
    yt character(1),
    kmdm character varying(10),
    khh character varying(60)
);
CREATE TABLE public.yy_jsqf (
    ddbm character varying(20) NOT NULL,
    ddmc character varying(100),
    xzlx character(2) NOT NULL,
    jsqj character(6) NOT NULL,
    jsje numeric(16,2),
    zfje numeric(16,2)
);
CREATE TABLE public.zj_jfmx (
    jfdx character varying(18),
    dxlb character(1),
    xzlx character(2),
    ssq character(6),
    jfjs bigint,
    fl numeric(6,4),
    yjje bigint,
    sjje bigint
);
COPY public.cz_bz (jb, xzlx, nd, ydje, sdje) FROM stdin;
1	02	2020	3347393.87	3347393.87
1	02	2021	5690042.91	2845021.45
2	02	2020	1633178.05	1633178.05
\.
COPY public.gr_zh (sfzh, xzlx, ye) FROM stdin;
220182195001040009	01	29365.61
220182195001050004	01	10650.55
22018219500106000X	01	29052.37
\.
COPY public.kj_km (kmdm, kmmc, kmlb) FROM stdin;
104	收入户存款	1
103	财政专户存款	1
102	支出户存款	1
\.
COPY public.kj_kmye (xzlx, kmdm, kjqj, qcye, jffs, dffs, qmye) FROM stdin;
01	104	202101	524008.42	983844.70	885400.00	622453.12
01	104	202102	622453.12	949948.01	854900.00	717501.13
01	104	202103	717501.13	984282.83	885400.00	816383.96
\.
COPY public.kj_pz (pzh, rq, xzlx, zy) FROM stdin;
2021-01-0001	2021-01-10	01	收1月社会保险费
2021-01-0002	2021-01-12	01	收入户资金缴存财政专户
2021-01-0003	2021-01-18	01	财政专户拨入支出户
\.
COPY public.kj_pzmx (pzh, hh, kmdm, jfje, dfje, yhlsh, zy) FROM stdin;
2021-01-0001	1	104	983844.70	0.00	B2021011000001	\N
2021-01-0001	2	401	0.00	983844.70	\N	\N
2021-01-0002	1	103	885400.00	0.00	B2021011200002	\N
\.
COPY public.xt_dw (dwbm, dwmc, jzrq) FROM stdin;
220182	榆树市	2021-06-30
\.
COPY public.yh_dzd (zh, rq, lsh, je, ye) FROM stdin;
2201820034451561	2021-01-10	B2021011000001	983844.70	1507853.12
2201820034451561	2021-01-12	B2021011200003	-885400.00	622453.12
2201820034451561	2021-02-10	B2021021000031	949948.01	1572401.13
\.
COPY public.yh_zh (zh, xzlx, yt, kmdm, khh) FROM stdin;
2201820034451561	01	1	104	中国银行榆树支行
2201820175070998	01	2	102	中国银行榆树支行
2201820271139600	01	3	103	中国银行榆树支行
\.
COPY public.yy_jsqf (ddbm, ddmc, xzlx, jsqj, jsje, zfje) FROM stdin;
YS0007	榆树人民医院	01	202101	283454.39	283454.39
YS0007	榆树人民医院	01	202102	267773.29	267773.29
YS0007	榆树人民医院	01	202103	235154.04	235154.04
\.
COPY public.zj_jfmx (jfdx, dxlb, xzlx, ssq, jfjs, fl, yjje, sjje) FROM stdin;
91220182MA00000070	1	01	201907	121633392	0.0700	8514337	3150304
91220182MA00000070	1	01	201907	121633392	0.0700	8514337	3150304
91220182MA00000070	1	01	202003	127922852	0.0700	8954600	2865472
\.
ALTER TABLE ONLY public.cz_bz
    ADD CONSTRAINT cz_bz_pkey PRIMARY KEY (jb, xzlx, nd);
ALTER TABLE ONLY public.gr_zh
    ADD CONSTRAINT gr_zh_pkey PRIMARY KEY (sfzh, xzlx);
ALTER TABLE ONLY public.kj_km
    ADD CONSTRAINT kj_km_pkey PRIMARY KEY (kmdm);
ALTER TABLE ONLY public.kj_kmye
    ADD CONSTRAINT kj_kmye_pkey PRIMARY KEY (xzlx, kmdm, kjqj);
ALTER TABLE ONLY public.kj_pz
    ADD CONSTRAINT kj_pz_pkey PRIMARY KEY (pzh);
ALTER TABLE ONLY public.kj_pzmx
    ADD CONSTRAINT kj_pzmx_pkey PRIMARY KEY (pzh, hh);
ALTER TABLE ONLY public.xt_dw
    ADD CONSTRAINT xt_dw_pkey PRIMARY KEY (dwbm);
ALTER TABLE ONLY public.yh_dzd
    ADD CONSTRAINT yh_dzd_pkey PRIMARY KEY (zh, lsh);
ALTER TABLE ONLY public.yh_zh
    ADD CONSTRAINT yh_zh_pkey PRIMARY KEY (zh);
ALTER TABLE ONLY public.yy_jsqf
    ADD CONSTRAINT yy_jsqf_pkey PRIMARY KEY (ddbm, xzlx, jsqj);
CREATE INDEX zj_jfmx_jfdx ON public.zj_jfmx USING btree (jfdx);
ALTER TABLE ONLY public.kj_pzmx
    ADD CONSTRAINT kj_pzmx_pzh_fkey FOREIGN KEY (pzh) REFERENCES public.kj_pz(pzh);
ALTER TABLE ONLY public.yh_dzd
    ADD CONSTRAINT yh_dzd_zh_fkey FOREIGN KEY (zh) REFERENCES public.yh_zh(zh);
\unrestrict tongchouexamplecity

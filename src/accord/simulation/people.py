"""Names, phones, e-mails and time zones for synthetic borrowers (zh and en)."""

from __future__ import annotations

import numpy as np

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国玲丹宇浩凯鑫晨阳雪梅琳婷欣怡子轩梓涵一诺浩然宇轩")
FIRST_EN = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
            "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
            "Daniel", "Emily", "Oliver", "Amelia", "Harry", "Olivia", "George", "Isla", "Jack", "Sophie"]
LAST_EN = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Taylor",
           "Anderson", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis",
           "Walker", "Hall", "Young", "Allen", "King", "Wright", "Evans", "Roberts", "Hughes", "Edwards"]

CN_ZONES = (["Asia/Shanghai"] * 97) + ["Asia/Urumqi"] * 2 + ["Asia/Hong_Kong"]
US_ZONES = ["America/New_York"] * 45 + ["America/Chicago"] * 30 + ["America/Denver"] * 8 + ["America/Los_Angeles"] * 17
UK_ZONES = ["Europe/London"]


def chinese_names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.choice(SURNAMES, n)
    g1 = rng.choice(GIVEN, n)
    g2 = np.where(rng.random(n) < 0.6, rng.choice(GIVEN, n), "")
    return [a + b + c for a, b, c in zip(s, g1, g2, strict=True)]


def english_names(rng: np.random.Generator, n: int) -> list[str]:
    return [f"{a} {b}" for a, b in zip(rng.choice(FIRST_EN, n), rng.choice(LAST_EN, n), strict=True)]


def phones(rng: np.random.Generator, jurisdiction: np.ndarray) -> list[str]:
    n = len(jurisdiction)
    cn = rng.choice(["13", "15", "17", "18", "19"], n)
    digits = rng.integers(0, 10**9, n)
    area = rng.choice(["212", "312", "415", "646", "713", "206"], n)
    out = []
    for j, p, d, a in zip(jurisdiction, cn, digits, area, strict=True):
        if j == "CN":
            out.append(f"+86{p}{d:09d}")
        elif j == "US":
            out.append(f"+1{a}555{d % 10000:04d}")
        else:
            out.append(f"+447700{d % 1000000:06d}")
    return out


def zones(rng: np.random.Generator, jurisdiction: np.ndarray) -> np.ndarray:
    out = np.empty(len(jurisdiction), dtype=object)
    for j, pool in (("CN", CN_ZONES), ("US", US_ZONES), ("UK", UK_ZONES)):
        m = jurisdiction == j
        out[m] = rng.choice(pool, int(m.sum()))
    return out

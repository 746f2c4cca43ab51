//! Synthetic inputs for benchmarks, deterministic from a seed.
//!
//! `guideline(rules, facts)`: `facts` facts cycling through bool, quantity
//! (eGFR-like, mL/min/1.73m2), enum (5 values) and set-of-enum types;
//! `rules / 10` actions, each with one contraindication; rules in sections
//! of 20 (every other section first-match), each rule a conjunction of 2-4
//! random comparisons, recommending 1-3 alternatives and citing a reference.
#![allow(dead_code, reason = "each bench uses part of this module")]

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn condition(rng: &mut Rng, facts: usize) -> String {
    let fact = rng.below(facts as u64) as usize;
    match fact % 4 {
        0 => {
            if rng.below(2) == 0 {
                format!("f{fact}")
            } else {
                format!("not f{fact}")
            }
        }
        1 => {
            let op = ["<", "<=", ">", ">="][rng.below(4) as usize];
            format!("f{fact} {op} {} mL/min/1.73m2", 15 * (1 + rng.below(8)))
        }
        2 => format!("f{fact} = v{}", rng.below(5)),
        _ => format!("v{} in f{fact}", rng.below(5)),
    }
}

pub fn guideline(rules: usize, facts: usize) -> String {
    let mut rng = Rng::new(0x5eed);
    let mut out = String::from("guideline synthetic \"Synthetic\" { version \"1\" }\n");
    out.push_str("reference R1 pmid 14501840 \"Synthetic reference\"\n");
    out.push_str("enum Level { v0, v1, v2, v3, v4 }\n");
    for fact in 0..facts {
        let ty = match fact % 4 {
            0 => "bool",
            1 => "quantity mL/min/1.73m2",
            2 => "Level",
            _ => "set of Level",
        };
        out.push_str(&format!("fact f{fact}: {ty} \"Fact {fact}\"\n"));
    }
    let actions = (rules / 10).max(3);
    for action in 0..actions {
        out.push_str(&format!(
            "action a{action} \"Action {action}\" {{\n  contraindicated-if {} because \"risk\" cite R1\n}}\n",
            condition(&mut rng, facts)
        ));
    }
    let mut rule = 0;
    let mut section = 0;
    while rule < rules {
        let first_match = if section % 2 == 0 { " first-match" } else { "" };
        out.push_str(&format!(
            "section s{section} \"Section {section}\"{first_match} {{\n"
        ));
        for _ in 0..20 {
            if rule >= rules {
                break;
            }
            let terms: Vec<String> = (0..2 + rng.below(3))
                .map(|_| condition(&mut rng, facts))
                .collect();
            let alternatives: Vec<String> = (0..1 + rng.below(3))
                .map(|_| format!("a{}", rng.below(actions as u64)))
                .collect();
            out.push_str(&format!(
                "  rule r{rule} \"Rule {rule}\" {{\n    when {}\n    then recommend {}\n    else-escalate \"refer\"\n    cite R1\n  }}\n",
                terms.join(" and "),
                alternatives.join(", ")
            ));
            rule += 1;
        }
        out.push_str("}\n");
        section += 1;
    }
    out
}

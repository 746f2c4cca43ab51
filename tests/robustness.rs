//! The front end and the interpreter never panic, hang or fail silently on
//! hostile input, and evaluation obeys its laws under three-valued logic.
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]
#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

use gdl::diagnostics::Code;
use gdl::eval::proof::{Target, proof_tree};
use gdl::eval::{EscalationCause, Patient, Program, RuleStatus, Tri, Value, Withholding, evaluate};
use gdl::sema::{FactId, Model, Type};
use proptest::prelude::*;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_default()
}

/// Shipped guidelines and test inputs to mutate.
fn corpus() -> Vec<String> {
    let mut texts = vec![read("tests/guidelines/demo.gdl")];
    for path in [
        "guidelines/dermatomyositis.gdl",
        "guidelines/af-anticoagulation.gdl",
    ] {
        let shipped = read(path);
        if !shipped.is_empty() {
            texts.push(shipped);
        }
    }
    texts
}

/// A compile either yields a model with no errors, or errors and no model:
/// never a partial answer presented as complete.
fn assert_consistent(text: &str) {
    let compiled = gdl::compile(text);
    let has_errors = compiled.diagnostics.iter().any(|d| d.is_error());
    assert_eq!(
        compiled.model.is_some(),
        !has_errors,
        "model/errors disagree"
    );
    for diagnostic in &compiled.diagnostics {
        let span = diagnostic.primary_span();
        assert!(
            span.end as usize <= text.len() && span.start <= span.end,
            "bad span {span:?}"
        );
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    "=",
    "<",
    ">=",
    "!=",
    " and ",
    " or ",
    " not ",
    " implies ",
    " in ",
    "when ",
    "then recommend ",
    "then avoid ",
    "else-escalate ",
    "cite ",
    "rule r ",
    "section s first-match ",
    "fact f: bool ",
    "define d = ",
    "\"",
    "\\",
    "#",
    "\n",
    "99999999999999999999999",
    "-1.5 mg",
    "mL/min/1.73m2",
    "set of Action",
    "expect unreachable-rule \"x\" ",
    "\u{0}",
    "é",
];

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Truncate(usize),
    Inject(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Inject(a, b)),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let n = lines.len();
    match *mutation {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => lines.insert(i % n, lines[i % n]),
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::Truncate(at) => {
            let mut cut = at % (text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            return text[..cut].to_owned();
        }
        Mutation::Inject(at, token) => {
            let mut cut = at % (text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            return format!(
                "{}{}{}",
                &text[..cut],
                TOKENS[token % TOKENS.len()],
                &text[cut..]
            );
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_guidelines_never_panic(which in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..6)) {
        let corpus = corpus();
        let mut text = corpus[which % corpus.len()].clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        assert_consistent(&text);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(0..TOKENS.len(), 0..200)) {
        let text: String = tokens.iter().map(|&t| TOKENS[t]).collect();
        assert_consistent(&text);
        assert_consistent(&format!("guideline g \"G\" {{}}\n{text}"));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let (_, compiled) = gdl::compile_bytes(&bytes);
        let has_errors = compiled.diagnostics.iter().any(|d| d.is_error());
        prop_assert_eq!(compiled.model.is_some(), !has_errors);
    }
}

#[test]
fn hostile_files_get_a_diagnostic() {
    let header = "guideline g \"G\" {}\n";
    let cases: Vec<(Vec<u8>, Code)> = vec![
        (Vec::new(), Code::EmptyFile),
        (vec![0x7f, b'E', b'L', b'F', 0, 1, 2, 0xff], Code::NotText),
        (
            format!("{header}define d = {}x", "(".repeat(100_000)).into_bytes(),
            Code::NestingTooDeep,
        ),
        (
            format!("{header}define d = {}x", "not ".repeat(100_000)).into_bytes(),
            Code::NestingTooDeep,
        ),
        (
            format!("{header}{}", "section s {".repeat(100_000)).into_bytes(),
            Code::NestingTooDeep,
        ),
        (vec![b'#'; 10 * 1024 * 1024], Code::FileTooLarge),
        (
            format!(
                "{header}fact x: number\ndefine d = x > 1{}",
                "0".repeat(400)
            )
            .into_bytes(),
            Code::NumberOutOfRange,
        ),
    ];
    for (bytes, code) in cases {
        let (_, compiled) = gdl::compile_bytes(&bytes);
        let codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
        assert!(compiled.model.is_none(), "{code:?}: no model expected");
        assert!(codes.contains(&code), "expected {code:?}, got {codes:?}");
    }
}

#[test]
fn long_flat_chains_and_many_definitions_compile() {
    let mut text = String::from("guideline g \"G\" {}\nfact x: bool \"x\"\ndefine d0 = x\n");
    for i in 1..5000 {
        text.push_str(&format!("define d{i} = d{} or x\n", i - 1));
    }
    text.push_str("reference R pmid 1 \"r\"\naction a \"a\"\nrule r {\n  when ");
    text.push_str(&vec!["x"; 20_000].join(" and "));
    text.push_str(" and d4999\n  then recommend a\n  cite R\n}\n");
    let compiled = gdl::compile(&text);
    let model = compiled
        .model
        .unwrap_or_else(|| panic!("{:#?}", compiled.diagnostics));
    let program = Program::new(&model);
    let mut patient = Patient::unknown(&program);
    patient.set(FactId(0), Value::Bool(true));
    let evaluation = evaluate(&program, &patient);
    assert_eq!(evaluation.recommended.len(), 1);
}

// ---- evaluation laws -------------------------------------------------

fn demo_model() -> Model {
    gdl::compile(&read("tests/guidelines/demo.gdl"))
        .model
        .unwrap_or_default()
}

/// A patient from random bytes: each fact known or unknown, with a value
/// drawn from its type's domain (numbers around the guideline's thresholds).
fn patient_from(model: &Model, seed: &[u8], known: bool) -> Patient {
    let byte = |i: usize| seed.get(i % seed.len().max(1)).copied().unwrap_or(0);
    let values = model.facts.iter().enumerate().map(|(i, fact)| {
        let b = byte(i);
        if !known && b % 4 == 0 {
            return Value::Unknown;
        }
        match &fact.ty {
            Type::Bool => Value::Bool(b % 2 == 1),
            Type::Number | Type::Quantity(_) | Type::Date => Value::Number(f64::from(b % 128)),
            Type::Enum(e) => {
                Value::Enum(u32::from(b) % model.enums.at(*e).values.len().max(1) as u32)
            }
            Type::Set(e) => {
                let size = model.enums.at(*e).values.len().min(128);
                let bits = u128::from(b) | (u128::from(byte(i + 7)) << 8);
                Value::Set(if size >= 128 {
                    bits
                } else {
                    bits & ((1u128 << size) - 1)
                })
            }
        }
    });
    Patient::from_values(None, values)
}

proptest! {
    #[test]
    fn fully_known_patients_never_escalate_for_unknowns(seed in prop::collection::vec(any::<u8>(), 1..32)) {
        let model = demo_model();
        let program = Program::new(&model);
        let patient = patient_from(&model, &seed, true);
        let evaluation = evaluate(&program, &patient);
        for escalation in &evaluation.escalations {
            prop_assert!(escalation.needs.is_empty(), "{escalation:?}");
            let is_unknown = matches!(escalation.cause, EscalationCause::UnknownCondition { .. });
            prop_assert!(!is_unknown);
        }
        for withheld in evaluation.withheld() {
            let unsettled = matches!(withheld.why, Withholding::Unsettled { .. } | Withholding::MaybeAvoided { .. });
            prop_assert!(!unsettled);
        }
        prop_assert!(!evaluation.rules.iter().any(|s| *s == RuleStatus::Undecided));
    }

    /// Learning a fact never silently turns a recommendation into its
    /// contraindication: a recommended action stays recommended (or an
    /// earlier alternative takes its place), or the change is reported.
    #[test]
    fn learning_a_fact_never_silently_contraindicates(seed in prop::collection::vec(any::<u8>(), 1..32), fill in prop::collection::vec(any::<u8>(), 1..32)) {
        let model = demo_model();
        let program = Program::new(&model);
        let partial = patient_from(&model, &seed, false);
        let complete_values = patient_from(&model, &fill, true);
        let mut refined = partial.clone();
        for (index, filled) in complete_values.values().enumerate() {
            let fact = FactId(index as u32);
            if refined.get(fact) == Value::Unknown {
                refined.set(fact, filled);
            }
        }
        let before = evaluate(&program, &partial);
        let after = evaluate(&program, &refined);
        for recommendation in &before.recommended {
            let still = after.recommended.iter().any(|r| r.rule == recommendation.rule && r.choice == recommendation.choice);
            let reported = after.escalations.iter().any(|e| matches!(e.cause, EscalationCause::ImplausibleFacts { .. } | EscalationCause::Exclusive { .. }));
            prop_assert!(still || reported, "recommendation {recommendation:?} vanished silently");
        }
        // Whatever was decided with less knowledge stays decided the same way.
        for (b, a) in before.rules.iter().zip(&after.rules) {
            if *b == RuleStatus::Fired && !after.escalations.iter().any(|e| matches!(e.cause, EscalationCause::ImplausibleFacts { .. })) {
                prop_assert_eq!(*a, RuleStatus::Fired);
            }
        }
    }

    /// The facts an escalation asks for are enough: once they are known,
    /// the rule is decided.
    #[test]
    fn learning_the_needed_facts_decides_the_rule(seed in prop::collection::vec(any::<u8>(), 1..32), fill in prop::collection::vec(any::<u8>(), 1..32)) {
        let model = demo_model();
        let program = Program::new(&model);
        let partial = patient_from(&model, &seed, false);
        let values = patient_from(&model, &fill, true);
        let evaluation = evaluate(&program, &partial);
        for escalation in &evaluation.escalations {
            let EscalationCause::UnknownCondition { rule, .. } = escalation.cause else { continue };
            let mut learned = partial.clone();
            for fact in &escalation.needs {
                learned.set(*fact, values.get(*fact));
            }
            let after = evaluate(&program, &learned);
            prop_assert_ne!(*after.rules.at(rule), RuleStatus::Undecided);
        }
    }

    /// A recommended action never has a contraindication that holds.
    #[test]
    fn recommended_actions_are_never_contraindicated(seed in prop::collection::vec(any::<u8>(), 1..32)) {
        let model = demo_model();
        let program = Program::new(&model);
        let patient = patient_from(&model, &seed, false);
        let evaluation = evaluate(&program, &patient);
        for recommendation in &evaluation.recommended {
            let avoided = evaluation.avoided.iter().any(|a| a.action == recommendation.action);
            prop_assert!(!avoided);
            let action = recommendation.action;
            for clause in 0..program.contraindications.at(action).len() {
                let steps = proof_tree(&program, &patient, Target::Contraindication(action, clause));
                prop_assert!(steps.first().is_some_and(|root| root.value != Tri::True));
            }
        }
    }
}

#[test]
fn undecided_rule_in_nested_section_stops_the_outer_first_match_section() {
    let text = "guideline t \"T\" {}\nreference R pmid 14501840 \"Ref\"\nfact a: bool\nfact b: bool\naction x \"X\"\naction y \"Y\"\n\
        section outer \"Outer\" first-match {\n  section inner \"Inner\" {\n    rule r1 { when a then avoid x cite R }\n  }\n  rule r2 { when b then recommend y cite R }\n}\n";
    let model = gdl::compile(text)
        .model
        .unwrap_or_else(|| panic!("demo must compile"));
    let program = Program::new(&model);
    let mut patient = Patient::unknown(&program);
    patient.set(FactId(1), Value::Bool(true));
    let evaluation = evaluate(&program, &patient);
    assert!(
        !evaluation.nothing_applies(),
        "an undecided rule must not vanish"
    );
    assert!(evaluation.escalations.iter().any(|e| matches!(
        e.cause,
        EscalationCause::UnknownCondition { stops: Some(_), .. }
    )));
    assert_eq!(evaluation.rules.as_slice()[1], RuleStatus::NotReached);
}

// ---- the size of diagnostics ------------------------------------------

/// Every renderer's output for the diagnostics of `bytes`, a guideline
/// or (with a program) a facts file, with the number of diagnostics.
fn rendered_every_way(name: &str, bytes: &[u8], program: Option<&Program<'_>>) -> (String, usize) {
    use gdl::diagnostics::machine::{self, FileDiagnostics};
    use gdl::diagnostics::render::{self, HumanStyle, SourceFile};
    let (text, diagnostics) = match program {
        Some(program) => {
            let (text, read) = gdl::facts::Reader::new(program).parse_patient_bytes(bytes);
            (text, read.err().into_iter().collect::<Vec<_>>())
        }
        None => {
            let (text, compiled) = gdl::check_bytes(bytes);
            (text, compiled.diagnostics)
        }
    };
    let source = SourceFile::new(name, text);
    let mut out = String::new();
    for diagnostic in &diagnostics {
        out.push_str(&render::human(diagnostic, &source, HumanStyle::PLAIN));
        out.push_str(&render::short(diagnostic, &source));
    }
    let files = [FileDiagnostics {
        source: &source,
        diagnostics: &diagnostics,
    }];
    out.push_str(&machine::json(&files));
    (out, diagnostics.len())
}

/// A facts file or guideline of one 400 KB line gets a few KB of
/// diagnostics, not the line again in every excerpt (it gave 1.8 MB).
#[test]
fn diagnostics_of_a_400_kb_line_are_small() {
    const SIZE: usize = 400 * 1024;
    let model = demo_model();
    let program = Program::new(&model);
    let deep = format!(
        "{{\"muscle_weakness\": true, \"failed\": {}{}}}",
        "[".repeat(SIZE / 2),
        "]".repeat(SIZE / 2)
    );
    let list = vec!["\"methotrexate\""; SIZE / 15].join(",");
    let facts = [
        deep,
        format!("{{\"failed\": [{list}, 3]}}"),
        format!("{{\"failed\": [{list}], \"zz\": 1}}"),
        format!("{{\"muscle_weakness\": \"{}\"}}", "y".repeat(SIZE)),
        format!("{{\"{}\": 1}}", "k".repeat(SIZE)),
        format!("{{\"muscle_weakness\": true, \"failed\": [{list}]}} {{}}"),
    ];
    for (index, text) in facts.iter().enumerate() {
        assert!(text.len() >= SIZE && !text.contains('\n'));
        let (out, count) = rendered_every_way("big.json", text.as_bytes(), Some(&program));
        assert_eq!(count, 1, "facts {index} should be refused");
        assert!(
            out.len() < 4096,
            "facts {index}: {} bytes\n{out}",
            out.len()
        );
    }
    let header = "guideline g \"G\" {}\nfact x: bool\n";
    let guidelines = [
        format!(
            "{header}define d = {} or nope\n",
            vec!["x"; SIZE / 5].join(" or ")
        ),
        format!(
            "{header}define d = {} or é\n",
            vec!["x"; SIZE / 5].join(" or ")
        ),
        format!("{header}define d = {}\n", "y".repeat(SIZE)),
    ];
    for (index, text) in guidelines.iter().enumerate() {
        let (out, count) = rendered_every_way("big.gdl", text.as_bytes(), None);
        assert!(count >= 1, "guideline {index} should have a diagnostic");
        assert!(
            out.len() < 4096 * count,
            "guideline {index}: {} bytes\n{out}",
            out.len()
        );
    }
}

//! The interpreter: a [`Program`] and a [`Patient`] → an [`Evaluation`].
//! Three-valued throughout; deterministic. Every node of every condition is
//! evaluated once per patient, following the program's schedule (leaves
//! from the patient's stored words, then truth-table steps in node order),
//! with no branch on the patient's data per node.

use super::logic::{Tri, compare, compare_range};
use super::patient::Kind;
use super::patient::{Patient, Value};
use super::program::{
    Cone, ExactRoot, Node, NodeId, Program, SLOT_COUNTS, Schedule, SumStep, slot_of,
};
use crate::id_vec::IdVec;
use crate::index_set::IndexSet;
use crate::never::OrNever;
use crate::sema::{ActionId, Choice, DefinitionId, FactId, Member, Outcome, RuleId, SectionId};
use smallvec::SmallVec;

/// What happened to a rule for this patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleStatus {
    /// Its condition was true.
    Fired,
    /// Its condition was false.
    NotApplicable,
    /// Its condition could not be decided.
    Undecided,
    /// In a first-match section, an earlier member fired.
    Shadowed,
    /// In a first-match section, an earlier member was undecided.
    NotReached,
}

impl RuleStatus {
    /// The status of a rule reached with this condition value; by table,
    /// not by branch, as the value varies from patient to patient.
    #[inline]
    fn of(value: Tri) -> RuleStatus {
        match value {
            Tri::False => RuleStatus::NotApplicable,
            Tri::Unknown => RuleStatus::Undecided,
            Tri::True => RuleStatus::Fired,
        }
    }
}

/// Facts that would settle a decision, in fact order, each once. Most
/// decisions wait on one to four: held in place, as a cohort run makes
/// many of these per patient and a heap allocation each would cost more
/// than the rest of the work on them.
pub type Needs = SmallVec<[FactId; 4]>;

/// Why an action was not given.
#[derive(Clone, Debug, PartialEq)]
pub enum Withholding {
    /// Contraindication clauses (indices into the action's list) that hold.
    Contraindicated(Vec<usize>),
    /// Contraindication clauses that may hold; these facts would settle it.
    Unsettled {
        /// Clause indices.
        clauses: Vec<usize>,
        /// Unknown facts they read.
        needs: Needs,
    },
    /// Rules with `then avoid` that apply to this patient.
    Avoided(Vec<RuleId>),
    /// Rules with `then avoid` that may apply.
    MaybeAvoided {
        /// The rules.
        rules: Vec<RuleId>,
        /// Unknown facts they read.
        needs: Needs,
    },
}

/// An action not given, with the rule that would have given it.
#[derive(Clone, Debug, PartialEq)]
pub struct Withheld {
    /// The action.
    pub action: ActionId,
    /// The rule that listed it.
    pub rule: RuleId,
    /// Why.
    pub why: Withholding,
}

/// A caution clause that holds or may hold for a recommended action.
#[derive(Clone, Debug, PartialEq)]
pub struct CautionNote {
    /// Clause index in the action's cautions.
    pub clause: usize,
    /// True, or unknown.
    pub value: Tri,
    /// Unknown facts when `value` is unknown.
    pub needs: Needs,
}

/// An action to give.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// The action.
    pub action: ActionId,
    /// The rule.
    pub rule: RuleId,
    /// Which `then` clause of the rule.
    pub choice: usize,
    /// Whether this is one of the options an equal choice offers (each
    /// recommended after the other in `recommended`), rather than the one
    /// alternative an ordered choice, or the ordered part of an equal one,
    /// gives.
    pub offered: bool,
    /// Alternatives withheld: the ones tried in order and skipped before
    /// this one; for offered options, also every withheld option of the
    /// clause, all carried by its first offered option (the others carry
    /// none), so each is reported once.
    pub skipped: Vec<Withheld>,
    /// Cautions that apply: most actions have one at most, held in place.
    pub cautions: SmallVec<[CautionNote; 1]>,
}

/// An action a rule says to avoid for this patient.
#[derive(Clone, Debug, PartialEq)]
pub struct Avoidance {
    /// The action.
    pub action: ActionId,
    /// The rule.
    pub rule: RuleId,
}

/// Why a decision goes to a clinician.
#[derive(Clone, Debug, PartialEq)]
pub enum EscalationCause {
    /// The rule's condition is unknown. In a first-match section this also
    /// stops the rules after it.
    UnknownCondition {
        /// The rule.
        rule: RuleId,
        /// The first-match section it stops, if any.
        stops: Option<SectionId>,
    },
    /// Every alternative of a `then` clause was withheld.
    NoAlternative {
        /// The rule.
        rule: RuleId,
        /// The `then` clause.
        choice: usize,
        /// The withheld alternatives.
        withheld: Vec<Withheld>,
    },
    /// Two recommended actions are declared mutually exclusive.
    Exclusive {
        /// Index into the model's exclusives.
        group: usize,
        /// The recommendations in conflict.
        actions: Vec<(ActionId, RuleId)>,
    },
    /// The facts contradict a declared invariant.
    ImplausibleFacts {
        /// Index into the model's invariants.
        invariant: usize,
    },
}

/// A decision handed to a clinician.
#[derive(Clone, Debug, PartialEq)]
pub struct Escalation {
    /// Why.
    pub cause: EscalationCause,
    /// Facts that would settle it (empty when no fact is missing).
    pub needs: Needs,
}

/// The outcome of evaluating a guideline for one patient.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Evaluation {
    /// Actions to give.
    pub recommended: Vec<Recommendation>,
    /// Actions to avoid.
    pub avoided: Vec<Avoidance>,
    /// Decisions for a clinician.
    pub escalations: Vec<Escalation>,
    /// Status of each rule, by rule index.
    pub rules: IdVec<RuleId, RuleStatus>,
}

impl Evaluation {
    /// True when no rule applies and nothing escalates.
    pub fn nothing_applies(&self) -> bool {
        self.recommended.is_empty() && self.avoided.is_empty() && self.escalations.is_empty()
    }

    /// Every withheld alternative: skipped on the way to a recommendation,
    /// or withheld in a choice that escalated.
    pub fn withheld(&self) -> impl Iterator<Item = &Withheld> {
        let skipped = self.recommended.iter().flat_map(|r| r.skipped.iter());
        let escalated = self.escalations.iter().flat_map(|e| match &e.cause {
            EscalationCause::NoAlternative { withheld, .. } => withheld.as_slice(),
            _ => &[],
        });
        skipped.chain(escalated)
    }
}

/// Buffers an evaluation works in, kept from one patient to the next: a
/// cohort run evaluates many patients with one `Scratch` per thread and so
/// allocates these once. What they hold between evaluations means nothing.
#[derive(Debug, Default)]
pub struct Scratch {
    values: Vec<Tri>,
    stack: Vec<NodeId>,
    stopped: IdVec<RuleId, Option<SectionId>>,
    avoids: Avoids,
    /// A finished evaluation whose vectors the next one reuses.
    spare: Option<Evaluation>,
}

impl Scratch {
    /// Keeps a finished evaluation's vectors for the next one: a cohort
    /// run hands each evaluation back once its report is written.
    pub fn recycle(&mut self, evaluation: Evaluation) {
        self.spare = Some(evaluation);
    }
}

/// The actions that fired or undecided rules avoid, for one patient.
#[derive(Debug, Default)]
struct Avoids {
    /// (action, avoiding rule, whether it fired), in rule order.
    list: Vec<(ActionId, RuleId, bool)>,
    /// By action: [`Avoids::FIRED`] and [`Avoids::UNDECIDED`] bits, so an
    /// alternative nothing avoids is passed over without a search.
    by_action: Vec<u8>,
}

impl Avoids {
    const FIRED: u8 = 1;
    const UNDECIDED: u8 = 2;

    /// The bits of `action`.
    #[inline]
    fn of(&self, action: ActionId) -> u8 {
        self.by_action.get(action.index()).copied().unwrap_or(0)
    }

    /// The rules that avoid `action` and fired (or not).
    fn rules(&self, action: ActionId, fired: bool) -> Vec<RuleId> {
        self.list
            .iter()
            .filter(|&&(a, _, f)| a == action && f == fired)
            .map(|&(_, rule, _)| rule)
            .collect()
    }
}

/// Evaluation state for one patient.
pub(crate) struct Run<'p, 'm> {
    pub(crate) program: &'p Program<'m>,
    pub(crate) patient: &'p Patient,
    /// The value of every node for this patient, by node index.
    values: Vec<Tri>,
    /// Work list reused by [`Run::needs`].
    stack: std::cell::RefCell<Vec<NodeId>>,
    /// The patient's unknown facts as bits ([`Patient::unknown_bits`]),
    /// once a walk for needs has asked.
    unknown_facts: std::cell::Cell<Option<u64>>,
    /// Whether escalations and withholdings list the facts they need
    /// (not when only the decisions are wanted: [`evaluate_completion`]).
    list_needs: bool,
    /// When set, only these rules' recommendations and escalations are
    /// worked out (what a completion's answers are about).
    only: Option<&'p [RuleId]>,
}

impl<'p, 'm> Run<'p, 'm> {
    /// Prepares a run in new buffers.
    pub(crate) fn new(program: &'p Program<'m>, patient: &'p Patient) -> Self {
        Run::in_scratch(program, patient, &mut Scratch::default())
    }

    /// Prepares a run: evaluates every node once. Leaves that read a bool
    /// or set fact first, straight from the patient's stored words with no
    /// branch; then every other node in order (children come before their parents,
    /// definitions before their uses). Takes its buffers from `scratch`;
    /// [`Run::into_scratch`] gives them back.
    fn in_scratch(program: &'p Program<'m>, patient: &'p Patient, scratch: &mut Scratch) -> Self {
        let mut run = Run::kleene_in_scratch(program, patient, scratch);
        run.decide_exact();
        run
    }

    /// A run whose node values start as `values`, in `scratch`'s buffers;
    /// it lists needs and works out every rule until told otherwise.
    #[inline]
    fn starting_from(
        program: &'p Program<'m>,
        patient: &'p Patient,
        values: &[Tri],
        scratch: &mut Scratch,
    ) -> Self {
        let mut buffer = std::mem::take(&mut scratch.values);
        buffer.clear();
        buffer.extend_from_slice(values);
        let mut stack = std::mem::take(&mut scratch.stack);
        stack.clear();
        Run {
            program,
            patient,
            values: buffer,
            stack: std::cell::RefCell::new(stack),
            unknown_facts: std::cell::Cell::new(None),
            list_needs: true,
            only: None,
        }
    }

    /// [`Run::in_scratch`] before exact decisions: every node's Kleene value.
    fn kleene_in_scratch(
        program: &'p Program<'m>,
        patient: &'p Patient,
        scratch: &mut Scratch,
    ) -> Self {
        let mut run = Run::starting_from(program, patient, &program.schedule.initial, scratch);
        let schedule = &program.schedule;
        // The leaves no version below reads: enum tests naming a value past 127.
        for &node in &schedule.wide_enum_leaves {
            let value = run.leaf(node);
            if let Some(slot) = run.values.get_mut(node.index()) {
                *slot = value;
            }
        }
        // One version per buffer size: bounds checks are a good part of the
        // work of a leaf or step, and an array of known size needs none.
        let values = run.values.as_mut_slice();
        if let Ok(array) = <&mut [Tri; SLOT_COUNTS[0]]>::try_from(&mut *values) {
            compute_nodes(array, schedule, patient);
        } else if let Ok(array) = <&mut [Tri; SLOT_COUNTS[1]]>::try_from(&mut *values) {
            compute_nodes(array, schedule, patient);
        } else if let Ok(array) = <&mut [Tri; SLOT_COUNTS[2]]>::try_from(&mut *values) {
            compute_nodes(array, schedule, patient);
        } else if let Ok(array) = <&mut [Tri; SLOT_COUNTS[3]]>::try_from(&mut *values) {
            compute_nodes(array, schedule, patient);
        } else {
            compute_nodes(values, schedule, patient);
        }
        run
    }

    /// Decides over their unknown facts the decision conditions Kleene
    /// logic leaves unknown; a patient with every fact known has none.
    fn decide_exact(&mut self) {
        let holding = self.invariants_holding();
        for root in self.program.exact_roots() {
            self.decide_root(root, &holding);
        }
    }

    /// Whether each invariant holds by Kleene logic, by index: read before
    /// any exact decision is written, since a decision whose condition has
    /// the shape of an invariant shares its slot, and its decided value
    /// would pass for the invariant's.
    fn invariants_holding(&self) -> Vec<bool> {
        self.program
            .invariants
            .iter()
            .map(|invariant| self.node(invariant.root) == Tri::True)
            .collect()
    }

    /// Decides one decision condition over its unknown facts (`exact`),
    /// when Kleene logic leaves it unknown; `holding` is
    /// [`Run::invariants_holding`].
    fn decide_root(&mut self, root: &ExactRoot, holding: &[bool]) {
        if self.value_at(root.slot) != Tri::Unknown {
            return;
        }
        if !self.program.model.derived_order.is_empty()
            && let Some(value) = self.program.decide_through_inputs(&root.plan, self.patient)
        {
            if let Some(slot) = self.values.get_mut(root.slot as usize) {
                *slot = value;
            }
            return;
        }
        // Invariants that hold whatever the unknown facts are constrain
        // nothing: a condition that reads each fact once is then decided by
        // Kleene logic already.
        let unconstrained = root.plan.read_once
            && root
                .plan
                .invariants
                .iter()
                .all(|index| holding.get(*index) == Some(&true));
        if unconstrained {
            return;
        }
        let value = root.plan.decide(self.patient);
        if let Some(slot) = self.values.get_mut(root.slot as usize) {
            *slot = value;
        }
    }

    /// The run of a completion of a patient: `patient` is the patient with
    /// some `facts` given values, and `base` the original patient's Kleene
    /// values ([`base_values`]). Only the leaves of those facts and the
    /// steps of their `cone` ([`Program::cone`]) are computed again, and
    /// only the exact decisions whose plans read those facts; every other
    /// node has the value it had. The same values as a run of `patient`
    /// from scratch, at a fraction of the work; its evaluation works out
    /// the decisions of the rules `only`.
    pub(crate) fn completion(
        program: &'p Program<'m>,
        patient: &'p Patient,
        base: &Base,
        facts: &[FactId],
        cone: &Cone,
        only: &'p [RuleId],
        scratch: &mut Scratch,
    ) -> Self {
        let mut run = Run::starting_from(program, patient, &base.kleene, scratch);
        run.list_needs = false;
        run.only = Some(only);
        let schedule = &program.schedule;
        let given = |fact: u32| facts.contains(&FactId(fact));
        for &(node, index) in &schedule.bool_leaves {
            if given(index) {
                let value = match patient.get(FactId(index)) {
                    Value::Bool(b) => Tri::from_bool(b),
                    _ => Tri::Unknown,
                };
                if let Some(slot) = run.values.get_mut(node as usize) {
                    *slot = value;
                }
            }
        }
        for &(node, index, bit) in &schedule.set_leaves {
            if given(index) {
                let value = patient
                    .member(FactId(index), bit)
                    .map_or(Tri::Unknown, Tri::from_bool);
                if let Some(slot) = run.values.get_mut(node as usize) {
                    *slot = value;
                }
            }
        }
        for &node in &schedule.other_leaves {
            let reads_given = match program.nodes.get(node) {
                Some(Node::Compare { fact, .. } | Node::EnumIn { fact, .. }) => given(*fact),
                _ => false,
            };
            if reads_given {
                let value = run.leaf(node);
                if let Some(slot) = run.values.get_mut(node.index()) {
                    *slot = value;
                }
            }
        }
        // The cone's steps and sums in the schedule's order.
        let mut steps = cone
            .steps
            .iter()
            .filter_map(|index| {
                schedule
                    .steps
                    .get(*index as usize)
                    .map(|step| (*index, step))
            })
            .peekable();
        let values = run.values.as_mut_slice();
        for sum in cone
            .sums
            .iter()
            .filter_map(|index| schedule.sums.get(*index as usize))
        {
            while let Some((_, step)) = steps.next_if(|(index, _)| *index < sum.before) {
                values.write(
                    step.target,
                    step.apply(values.read(step.left), values.read(step.right)),
                );
            }
            sum_tests(values, sum);
        }
        for (_, step) in steps {
            values.write(
                step.target,
                step.apply(values.read(step.left), values.read(step.right)),
            );
        }
        // A decision whose plan reads none of the facts is the patient's.
        let holding = run.invariants_holding();
        for root in program.exact_roots() {
            if root.plan.facts.iter().any(|(fact, _)| facts.contains(fact)) {
                run.decide_root(root, &holding);
            } else if let (Some(slot), Some(decided)) = (
                run.values.get_mut(root.slot as usize),
                base.decided.get(root.slot as usize),
            ) {
                *slot = *decided;
            }
        }
        run
    }

    /// Gives the run's buffers back for the next patient.
    fn into_scratch(self, scratch: &mut Scratch) {
        scratch.values = self.values;
        scratch.stack = self.stack.into_inner();
    }

    /// The value of a node.
    #[inline]
    pub(crate) fn node(&self, index: NodeId) -> Tri {
        self.value_at(slot_of(&self.program.schedule.value_at, index))
    }

    /// The value held at a node's own index (see the schedule's `value_at`).
    #[inline]
    fn value_at(&self, index: u32) -> Tri {
        self.values
            .get(index as usize)
            .copied()
            .or_never(Tri::Unknown)
    }

    /// A comparison or enum test (the leaves not read branch-free).
    fn leaf(&self, index: NodeId) -> Tri {
        match self.program.nodes.get(index) {
            Some(&Node::Compare { fact, op, value }) => match self.value(fact) {
                Value::Number(x) => Tri::from_bool(compare(x, op, value)),
                _ => Tri::Unknown,
            },
            Some(&Node::EnumIn { fact, start, len }) => match self.value(fact) {
                Value::Enum(v) => {
                    let values = self
                        .program
                        .enum_values
                        .get(start as usize..(start + len) as usize)
                        .unwrap_or(&[]);
                    Tri::from_bool(values.contains(&v))
                }
                _ => Tri::Unknown,
            },
            _ => Tri::Unknown,
        }
    }

    pub(crate) fn children(&self, start: u32, len: u32) -> &[NodeId] {
        self.program
            .children
            .get(start as usize..(start + len) as usize)
            .unwrap_or(&[])
    }

    fn value(&self, fact: u32) -> Value {
        self.patient.get(FactId(fact))
    }

    /// The unknown facts that would settle an unknown condition: the leaves
    /// reached from its root through unknown nodes only. Parts whose value
    /// is already known cannot change the result, so their facts are not
    /// asked for; once every fact listed is known, the condition is known.
    fn needs(&self, root: NodeId) -> Needs {
        if !self.list_needs {
            return Needs::new();
        }
        // A decision decided over its unknown facts names, of the unknown
        // facts it reads through unknown parts, the ones that could settle
        // it: in `a and (b or not b)` only `a` does.
        let exact = self.exact_plan(root);
        if exact.is_none() && !self.program.fact_bits.is_empty() {
            // As bits until listed: traced to the facts given, each once.
            let found = self.unknown_fact_bits(root);
            return facts_of_bits(self.program.given_bits(found, self.unknown_facts()));
        }
        let mut needs = self.kleene_needs(root);
        if let Some(plan) = exact {
            let settling = plan.settling_facts(self.patient, &needs);
            if !settling.is_empty() {
                needs = Needs::from_vec(settling);
            }
        }
        self.program.given_needs(needs, self.patient)
    }

    /// The plan that decides an unknown condition over its unknown facts,
    /// when it reads some fact more than once: a condition that reads each
    /// fact once needs every one of them that is unknown under an unknown
    /// part, which is what the walk finds.
    fn exact_plan(&self, root: NodeId) -> Option<&'p super::exact::Plan> {
        let slot = slot_of(&self.program.schedule.value_at, root);
        let exact = self.program.exact_roots().iter().find(|r| r.slot == slot)?;
        (!exact.plan.read_once && self.value_at(slot) == Tri::Unknown).then_some(&exact.plan)
    }

    /// The patient's unknown facts as bits ([`Patient::unknown_bits`]),
    /// worked out the first time they are asked for.
    fn unknown_facts(&self) -> u64 {
        if let Some(bits) = self.unknown_facts.get() {
            return bits;
        }
        let bits = self.patient.unknown_bits(&self.program.fact_kinds);
        self.unknown_facts.set(Some(bits));
        bits
    }

    /// The unknown facts an unknown condition reads through unknown parts.
    fn kleene_needs(&self, root: NodeId) -> Needs {
        // Marked in a bitset, then listed: in fact order, each once, in a
        // vector of the right size. Most guidelines have at most 64 facts:
        // then one word holds them.
        if !self.program.fact_bits.is_empty() {
            return facts_of_bits(self.unknown_fact_bits(root));
        }
        let mut found = IndexSet::new(self.program.model.facts.len());
        self.unknown_leaves(root, |leaf| {
            if let Some(fact) = leaf_fact(leaf) {
                found.insert(fact as usize);
            }
        });
        found.iter().map(FactId::from_index).collect()
    }

    /// [`Run::kleene_needs`] as bits, for a model of at most 64 facts: the
    /// walk of [`Run::unknown_leaves`], cut short by the facts each node
    /// reads ([`Program::fact_bits`]). An unknown node reaches, through
    /// unknown parts, an unknown leaf, which reads an unknown fact: so when
    /// one unknown fact is all a node reads, it is that one, and a node
    /// whose unknown facts are all found already adds none.
    fn unknown_fact_bits(&self, root: NodeId) -> u64 {
        let unknown = self.unknown_facts();
        let fact_bits = &self.program.fact_bits;
        let mut found = 0u64;
        self.unknown_walk(root, |index, _| {
            let reached = fact_bits.get(index).copied().unwrap_or(u64::MAX) & unknown;
            if reached.count_ones() == 1 {
                found |= reached;
            }
            // A leaf reads one fact, so always stops here.
            reached & !found != 0
        });
        found
    }

    /// The unknown atoms an unknown condition reads through unknown parts:
    /// a fact, or one member of a set fact (added to `atoms` once each).
    pub(crate) fn unknown_atoms(&self, root: NodeId, atoms: &mut Vec<(FactId, Option<u32>)>) {
        self.unknown_leaves(root, |leaf| {
            let atom = match leaf {
                Node::SetHas { fact, bit } => Some((FactId(*fact), Some(*bit))),
                other => leaf_fact(other).map(|fact| (FactId(fact), None)),
            };
            if let Some(atom) = atom
                && !atoms.contains(&atom)
            {
                atoms.push(atom);
            }
        });
    }

    /// Calls `visit` on each unknown leaf reached from `root` through
    /// unknown nodes only: parts whose value is known cannot change the
    /// result.
    fn unknown_leaves(&self, root: NodeId, mut visit: impl FnMut(&Node)) {
        self.unknown_walk(root, |_, node| {
            if leaf_fact(node).is_some() {
                visit(node);
            }
            true
        });
    }

    /// Walks from `root` through unknown nodes only, each definition once;
    /// `enter` sees each node reached and says whether to go on into its
    /// parts.
    fn unknown_walk(&self, root: NodeId, mut enter: impl FnMut(NodeId, &Node) -> bool) {
        // Each definition once: one used twice at every level of a chain
        // would otherwise be walked an exponential number of times.
        let mut expanded = IndexSet::new(self.program.definitions.len());
        let mut stack = self.stack.borrow_mut();
        stack.clear();
        stack.push(root);
        while let Some(index) = stack.pop() {
            if self.node(index) != Tri::Unknown {
                continue;
            }
            let Some(node) = self.program.nodes.get(index) else {
                continue;
            };
            if !enter(index, node) {
                continue;
            }
            match node {
                Node::Definition(id) => {
                    if let Some(definition) = self.program.definitions.get(DefinitionId(*id))
                        && expanded.insert(*id as usize)
                    {
                        stack.push(definition.root);
                    }
                }
                Node::Not(inner) | Node::Decision(inner) => stack.push(*inner),
                Node::And { start, len } | Node::Or { start, len } => {
                    stack.extend_from_slice(self.children(*start, *len))
                }
                // Through its items: an unknown item can move the sum.
                Node::Points { test } => {
                    stack.extend_from_slice(&self.program.points_test(*test).items)
                }
                Node::Implies(left, right) => {
                    stack.push(*left);
                    stack.push(*right);
                }
                Node::Fact(_)
                | Node::Compare { .. }
                | Node::EnumIn { .. }
                | Node::SetHas { .. }
                | Node::Const(_) => {}
            }
        }
    }
}

/// A run's node values, read and written by index.
trait Slots {
    fn read(&self, index: u32) -> Tri;
    fn write(&mut self, index: u32, value: Tri);
}

/// A buffer of one of the program's sizes ([`SLOT_COUNTS`], powers of two
/// above every node index): masking an index to the size changes nothing,
/// and shows the compiler that it is in bounds.
impl<const N: usize> Slots for [Tri; N] {
    #[inline(always)]
    fn read(&self, index: u32) -> Tri {
        self.get(index as usize & (N - 1))
            .copied()
            .or_never(Tri::Unknown)
    }

    #[inline(always)]
    fn write(&mut self, index: u32, value: Tri) {
        if let Some(slot) = self.get_mut(index as usize & (N - 1)) {
            *slot = value;
        }
    }
}

/// A buffer of any other size: checked reads and writes.
impl Slots for [Tri] {
    #[inline(always)]
    fn read(&self, index: u32) -> Tri {
        self.get(index as usize).copied().or_never(Tri::Unknown)
    }

    #[inline(always)]
    fn write(&mut self, index: u32, value: Tri) {
        if let Some(slot) = self.get_mut(index as usize) {
            *slot = value;
        }
    }
}

/// Every node's Kleene value for `patient` into `values` (which hold the
/// schedule's initial values, and the wide enum leaves'): the leaves, read
/// straight from the patient's stored words with no branch on whether a
/// fact is known, then the steps in order.
#[inline(always)]
fn compute_nodes<S: Slots + ?Sized>(values: &mut S, schedule: &Schedule, patient: &Patient) {
    // No branch on whether a fact is known: that varies from patient to
    // patient, and a mispredicted branch per leaf was once the
    // interpreter's main cost.
    for &(node, index) in &schedule.bool_leaves {
        let (kind, word) = patient.word(index as usize);
        values.write(node, Tri::select(kind == Kind::Bool, word & 1 == 1));
    }
    for &(node, index, bit) in &schedule.set_leaves {
        let (kind, mut word) = patient.word(index as usize);
        if bit >= 64 {
            word = patient.high_word(index as usize);
        }
        let member = (word >> (bit % 64)) & 1 == 1;
        values.write(node, Tri::select(kind == Kind::Set, member));
    }
    // Sets known member by member (only when asking what an answer leads
    // to): their known members, read one by one.
    if patient.has_partial_sets() {
        for &(node, index, bit) in &schedule.set_leaves {
            if let Some(present) = patient.member(FactId(index), bit) {
                values.write(node, Tri::from_bool(present));
            }
        }
    }
    // Comparisons and enum tests read the stored word too, with no branch
    // on its kind: a word of another kind gives a truth value that
    // `select` drops.
    for leaf in &schedule.compare_leaves {
        let (kind, word) = patient.word(leaf.fact as usize);
        let truth = compare(f64::from_bits(word), leaf.op, leaf.constant);
        values.write(leaf.node, Tri::select(kind == Kind::Number, truth));
    }
    for leaf in &schedule.enum_leaves {
        let (kind, word) = patient.word(leaf.fact as usize);
        let member = (word < 128) & ((leaf.values >> (word % 128)) & 1 == 1);
        values.write(leaf.node, Tri::select(kind == Kind::Enum, member));
    }
    // The steps in order, each sum of points (with its tests) where its
    // first test is.
    let mut done = 0;
    for sum in &schedule.sums {
        let until = sum.before as usize;
        for step in schedule.steps.get(done..until).unwrap_or(&[]) {
            let value = step.apply(values.read(step.left), values.read(step.right));
            values.write(step.target, value);
        }
        done = done.max(until);
        sum_tests(values, sum);
    }
    for step in schedule.steps.get(done..).unwrap_or(&[]) {
        let value = step.apply(values.read(step.left), values.read(step.right));
        values.write(step.target, value);
    }
}

/// A sum of points from its items' values, the low and the high end
/// added up item by item with no branch on the values; then its tests.
#[inline(always)]
fn sum_tests<S: Slots + ?Sized>(values: &mut S, sum: &SumStep) {
    let (mut low, mut high) = (0i64, 0i64);
    for item in &sum.items {
        let code = values.read(item.slot) as usize & 3;
        // Never wraps: each item's points are at most `MAX_POINTS` in size.
        low = low.wrapping_add(item.low.get(code).copied().unwrap_or(0));
        high = high.wrapping_add(item.high.get(code).copied().unwrap_or(0));
    }
    for test in &sum.tests {
        values.write(test.target, compare_range(low, high, test.op, test.value));
    }
}

/// The facts whose bits (`1 << fact`) are set, in fact order.
fn facts_of_bits(mut bits: u64) -> Needs {
    let mut facts = Needs::with_capacity(bits.count_ones() as usize);
    while bits != 0 {
        facts.push(FactId(bits.trailing_zeros()));
        bits &= bits - 1;
    }
    facts
}

/// The fact a leaf reads.
fn leaf_fact(leaf: &Node) -> Option<u32> {
    match leaf {
        Node::Fact(fact)
        | Node::Compare { fact, .. }
        | Node::EnumIn { fact, .. }
        | Node::SetHas { fact, .. } => Some(*fact),
        _ => None,
    }
}

/// The unknown atoms (a fact, or one member of a set fact) an escalation
/// turns on, among the facts it needs: those its undecided condition, or
/// the unsettled withholdings of its alternatives, read through unknown
/// parts. Empty for a conflict or implausible facts, which no answer
/// about an unknown fact settles.
pub(crate) fn escalation_atoms(
    program: &Program<'_>,
    patient: &Patient,
    base: &Base,
    escalation: &Escalation,
) -> Vec<(FactId, Option<u32>)> {
    // The patient's run, its values already computed.
    let run = Run::starting_from(program, patient, &base.decided, &mut Scratch::default());
    let mut roots = Vec::new();
    match &escalation.cause {
        EscalationCause::UnknownCondition { rule, .. } => {
            roots.extend(program.rules.get(*rule).map(|r| r.root));
        }
        EscalationCause::NoAlternative { withheld, .. } => {
            for item in withheld {
                match &item.why {
                    Withholding::Unsettled { clauses, .. } => {
                        let compiled = program.contraindications.get(item.action);
                        roots.extend(clauses.iter().filter_map(|clause| {
                            compiled.and_then(|c| c.get(*clause)).map(|c| c.root)
                        }));
                    }
                    Withholding::MaybeAvoided { rules, .. } => roots.extend(
                        rules
                            .iter()
                            .filter_map(|rule| program.rules.get(*rule).map(|r| r.root)),
                    ),
                    Withholding::Contraindicated(_) | Withholding::Avoided(_) => {}
                }
            }
        }
        EscalationCause::Exclusive { .. } | EscalationCause::ImplausibleFacts { .. } => {}
    }
    let mut atoms = Vec::new();
    for root in roots {
        run.unknown_atoms(root, &mut atoms);
    }
    // A computed fact is asked about as itself ("if crcl < 30 mL/min"),
    // when the facts it needs are among those the escalation asks for;
    // through its unknown inputs when they are all bool or enum facts
    // ("if sex = female"), which a clinician answers as they are.
    let facts = &program.model.facts;
    let mut asked = Vec::with_capacity(atoms.len());
    for (fact, member) in atoms {
        let Some(derived) = facts.get(fact).and_then(|f| f.derived.as_ref()) else {
            if escalation.needs.contains(&fact) {
                asked.push((fact, member));
            }
            continue;
        };
        let unknown: Vec<FactId> = derived
            .inputs
            .iter()
            .copied()
            .filter(|&input| patient.get(input) == Value::Unknown)
            .collect();
        let finite = unknown
            .iter()
            .all(|&input| facts.get(input).is_some_and(|f| f.ty.is_few_valued()));
        if finite {
            asked.extend(
                unknown
                    .into_iter()
                    .filter(|input| escalation.needs.contains(input))
                    .map(|input| (input, None)),
            );
        } else if unknown.iter().any(|input| escalation.needs.contains(input)) {
            asked.push((fact, member));
        }
    }
    let mut seen = Vec::with_capacity(asked.len());
    asked.retain(|atom| {
        let first = !seen.contains(atom);
        seen.push(*atom);
        first
    });
    asked
}

/// Evaluates the guideline for one patient.
pub fn evaluate(program: &Program<'_>, patient: &Patient) -> Evaluation {
    evaluate_in(program, patient, &mut Scratch::default())
}

/// [`evaluate`], working in buffers kept from earlier patients.
pub fn evaluate_in(program: &Program<'_>, patient: &Patient, scratch: &mut Scratch) -> Evaluation {
    let run = Run::in_scratch(program, patient, scratch);
    let evaluation = evaluate_run(&run, scratch);
    run.into_scratch(scratch);
    evaluation
}

/// A patient's node values, that [`evaluate_completion`] computes its
/// completions from.
pub(crate) struct Base {
    /// Every node's Kleene value.
    kleene: Vec<Tri>,
    /// The same after the exact decisions.
    decided: Vec<Tri>,
}

/// The [`Base`] of `patient`.
pub(crate) fn base_values(program: &Program<'_>, patient: &Patient, scratch: &mut Scratch) -> Base {
    let mut run = Run::kleene_in_scratch(program, patient, scratch);
    let kleene = run.values.clone();
    run.decide_exact();
    let decided = run.values.clone();
    run.into_scratch(scratch);
    Base { kleene, decided }
}

/// The decisions of the rules `only` (needs not listed) for `patient`, a
/// completion of the patient whose values are `base`: only the
/// nodes in the `cone` of the `facts` it gives values to are computed
/// again ([`Run::completion`]). Avoidances and rule statuses are all there.
pub(crate) fn evaluate_completion(
    program: &Program<'_>,
    patient: &Patient,
    base: &Base,
    facts: &[FactId],
    cone: &Cone,
    only: &[RuleId],
    scratch: &mut Scratch,
) -> Evaluation {
    let run = Run::completion(program, patient, base, facts, cone, only, scratch);
    let evaluation = evaluate_run(&run, scratch);
    run.into_scratch(scratch);
    evaluation
}

/// [`evaluate_in`] for the decisions alone: escalations and withholdings
/// do not list the facts they need. The oracle [`evaluate_completion`] is
/// tested against.
#[cfg(test)]
pub(crate) fn evaluate_decisions_in(
    program: &Program<'_>,
    patient: &Patient,
    scratch: &mut Scratch,
) -> Evaluation {
    let mut run = Run::in_scratch(program, patient, scratch);
    run.list_needs = false;
    let evaluation = evaluate_run(&run, scratch);
    run.into_scratch(scratch);
    evaluation
}

fn evaluate_run(run: &Run<'_, '_>, scratch: &mut Scratch) -> Evaluation {
    let program = run.program;
    let mut evaluation = reuse_evaluation(scratch.spare.take(), program.model.rules.len());
    if escalate_implausible_facts(run, &mut evaluation) {
        return evaluation;
    }
    let stopped = &mut scratch.stopped;
    rule_statuses(run, &mut evaluation.rules, stopped);
    // Avoidances first: a contraindication always beats a recommendation,
    // whatever the order of the rules.
    let avoids = &mut scratch.avoids;
    avoidances(run, &mut evaluation, avoids);

    // Taken out while the loop adds to the evaluation, put back after.
    let statuses = std::mem::take(&mut evaluation.rules);
    for (rule_id, &status) in statuses.iter_enumerated() {
        if run.only.is_some_and(|only| !only.contains(&rule_id)) {
            continue;
        }
        match status {
            RuleStatus::Undecided => escalate_undecided(run, rule_id, stopped, &mut evaluation),
            RuleStatus::Fired => recommend_fired(run, rule_id, avoids, &mut evaluation),
            _ => {}
        }
    }

    evaluation.rules = statuses;
    exclusive_conflicts(program, &mut evaluation);
    evaluation
}

/// An empty evaluation for `rules` rules, every one not applicable: the
/// spare one's vectors cleared, or new ones.
#[inline]
fn reuse_evaluation(spare: Option<Evaluation>, rules: usize) -> Evaluation {
    match spare {
        Some(mut spare) => {
            spare.recommended.clear();
            spare.avoided.clear();
            spare.escalations.clear();
            spare.rules.clear();
            spare.rules.resize(rules, RuleStatus::NotApplicable);
            spare
        }
        None => Evaluation {
            rules: IdVec::filled(RuleStatus::NotApplicable, rules),
            recommended: Vec::with_capacity(8),
            // Many patients have none: allocated by the first.
            escalations: Vec::new(),
            ..Evaluation::default()
        },
    }
}

/// Facts that contradict an invariant make every rule suspect: escalates
/// each such invariant, marks every rule not reached, and returns whether
/// there was one.
#[inline]
fn escalate_implausible_facts(run: &Run<'_, '_>, evaluation: &mut Evaluation) -> bool {
    for (index, invariant) in run.program.invariants.iter().enumerate() {
        if run.node(invariant.root) == Tri::False {
            evaluation.escalations.push(Escalation {
                cause: EscalationCause::ImplausibleFacts { invariant: index },
                needs: Needs::new(),
            });
        }
    }
    if evaluation.escalations.is_empty() {
        return false;
    }
    evaluation.rules.fill(RuleStatus::NotReached);
    true
}

/// A rule's status is its condition's value, except in first-match
/// sections, walked in order after; `stopped` gets the section that
/// stopped each rule there.
#[inline]
fn rule_statuses(
    run: &Run<'_, '_>,
    rules: &mut IdVec<RuleId, RuleStatus>,
    stopped: &mut IdVec<RuleId, Option<SectionId>>,
) {
    let program = run.program;
    for (status, &at) in rules.iter_mut().zip(&program.rule_values) {
        *status = RuleStatus::of(run.value_at(at));
    }
    stopped.clear();
    stopped.resize(program.model.rules.len(), None);
    let sections = program.first_match_sections.iter();
    for (&section, rules_only) in sections.zip(&program.first_match_rules) {
        match rules_only {
            Some(members) => walk_rules(section, members, rules, stopped),
            None => {
                let members = &program.model.sections.at(section).members;
                walk(run, members, Some(section), rules, stopped);
            }
        }
    }
}

/// [`walk`] for a first-match section of rules only, the common shape:
/// each status is already its condition's value, and the first rule that
/// is not false shadows (fired) or stops (undecided) the rules after it.
#[inline]
fn walk_rules(
    section: SectionId,
    members: &[RuleId],
    status: &mut IdVec<RuleId, RuleStatus>,
    stopped: &mut IdVec<RuleId, Option<SectionId>>,
) {
    let mut blocked = None;
    for &rule in members {
        match (blocked, *status.at(rule)) {
            (Some(value), _) => status.set(rule, value),
            (None, RuleStatus::Fired) => blocked = Some(RuleStatus::Shadowed),
            (None, RuleStatus::Undecided) => {
                stopped.set(rule, Some(section));
                blocked = Some(RuleStatus::NotReached);
            }
            (None, _) => {}
        }
    }
}

/// Every action a fired or undecided rule avoids, into `avoids` (with
/// whether the rule fired); the fired ones also into the evaluation.
#[inline]
fn avoidances(run: &Run<'_, '_>, evaluation: &mut Evaluation, avoids: &mut Avoids) {
    let program = run.program;
    avoids.list.clear();
    avoids.by_action.clear();
    avoids.by_action.resize(program.model.actions.len(), 0);
    for &rule_index in &program.avoid_rules {
        let rule_id = RuleId(rule_index);
        let status = *evaluation.rules.at(rule_id);
        let fired = match status {
            RuleStatus::Fired => true,
            RuleStatus::Undecided => false,
            _ => continue,
        };
        for choice in &program.model.rules.at(rule_id).choices {
            if choice.outcome == Outcome::Avoid {
                for action in &choice.actions {
                    avoids.list.push((*action, rule_id, fired));
                    if let Some(bits) = avoids.by_action.get_mut(action.index()) {
                        *bits |= if fired {
                            Avoids::FIRED
                        } else {
                            Avoids::UNDECIDED
                        };
                    }
                    if fired {
                        evaluation.avoided.push(Avoidance {
                            action: *action,
                            rule: rule_id,
                        });
                    }
                }
            }
        }
    }
}

/// An undecided rule escalates, with the facts its condition needs.
#[inline]
fn escalate_undecided(
    run: &Run<'_, '_>,
    rule_id: RuleId,
    stopped: &IdVec<RuleId, Option<SectionId>>,
    evaluation: &mut Evaluation,
) {
    let program = run.program;
    // An undecided avoid-only rule matters only where it withholds
    // a recommendation, and is reported there ("may be avoided").
    if program.avoid_only.contains(&rule_id.0) && stopped.at(rule_id).is_none() {
        return;
    }
    let needs = run.needs(program.rules.at(rule_id).root);
    evaluation.escalations.push(Escalation {
        cause: EscalationCause::UnknownCondition {
            rule: rule_id,
            stops: *stopped.at(rule_id),
        },
        needs,
    });
}

/// A fired rule recommends each of its choices; a rule with only
/// `else-escalate` hands the patient over.
#[inline]
fn recommend_fired(
    run: &Run<'_, '_>,
    rule_id: RuleId,
    avoids: &Avoids,
    evaluation: &mut Evaluation,
) {
    let rule = run.program.model.rules.at(rule_id);
    for (choice_index, choice) in rule.choices.iter().enumerate() {
        if choice.outcome != Outcome::Recommend {
            continue;
        }
        recommend_choice(run, rule_id, choice_index, choice, avoids, evaluation);
    }
    if rule.choices.is_empty() {
        evaluation.escalations.push(Escalation {
            cause: EscalationCause::NoAlternative {
                rule: rule_id,
                choice: 0,
                withheld: Vec::new(),
            },
            needs: Needs::new(),
        });
    }
}

/// An ordered choice gives the first of its alternatives that nothing
/// withholds, with the ones skipped before it; an equal choice tries its
/// preferred alternatives (if any) the same way, and when each is withheld
/// offers every option that nothing withholds, the first carrying the
/// withheld ones. The same walk serves both: it stops at the first
/// alternative given from the part in order. When every alternative is
/// withheld, the rule escalates instead, whatever the kind.
#[inline]
fn recommend_choice(
    run: &Run<'_, '_>,
    rule_id: RuleId,
    choice_index: usize,
    choice: &Choice,
    avoids: &Avoids,
    evaluation: &mut Evaluation,
) {
    // Filled in place (taken back out if nothing can be
    // given): vectors built apart and then moved into it
    // cost a stalled copy on every recommendation.
    let index = evaluation.recommended.len();
    evaluation.recommended.push(Recommendation {
        action: ActionId(0),
        rule: rule_id,
        choice: choice_index,
        offered: false,
        skipped: Vec::new(),
        cautions: SmallVec::new(),
    });
    let mut given = false;
    for (position, &action) in choice.actions.iter().enumerate() {
        let offered = choice.kind.is_option(position);
        match withholding(run, action, avoids) {
            Some(why) => {
                if let Some(r) = evaluation.recommended.get_mut(index).never_none() {
                    r.skipped.push(Withheld {
                        action,
                        rule: rule_id,
                        why,
                    });
                }
            }
            None if !given => {
                given = true;
                if let Some(r) = evaluation.recommended.get_mut(index).never_none() {
                    r.action = action;
                    r.offered = offered;
                    add_cautions(run, action, &mut r.cautions);
                }
                if !offered {
                    break;
                }
            }
            None => {
                let mut cautions = SmallVec::new();
                add_cautions(run, action, &mut cautions);
                evaluation.recommended.push(Recommendation {
                    action,
                    rule: rule_id,
                    choice: choice_index,
                    offered,
                    skipped: Vec::new(),
                    cautions,
                });
            }
        }
    }
    if !given {
        let withheld = evaluation
            .recommended
            .pop()
            .map(|r| r.skipped)
            .unwrap_or_default();
        let mut needs: Needs = withheld
            .iter()
            .flat_map(|w| match &w.why {
                Withholding::Unsettled { needs, .. } | Withholding::MaybeAvoided { needs, .. } => {
                    needs.clone()
                }
                _ => Needs::new(),
            })
            .collect();
        needs.sort_unstable();
        needs.dedup();
        evaluation.escalations.push(Escalation {
            cause: EscalationCause::NoAlternative {
                rule: rule_id,
                choice: choice_index,
                withheld,
            },
            needs,
        });
    }
}

/// Evaluates a list of section members; returns whether any fired.
fn walk(
    run: &Run<'_, '_>,
    members: &[Member],
    first_match: Option<SectionId>,
    status: &mut IdVec<RuleId, RuleStatus>,
    stopped: &mut IdVec<RuleId, Option<SectionId>>,
) -> Tri {
    let mut any = Tri::False;
    for member in members {
        if first_match.is_some() && any != Tri::False {
            let blocked = if any == Tri::True {
                RuleStatus::Shadowed
            } else {
                RuleStatus::NotReached
            };
            mark(run, member, blocked, status);
            continue;
        }
        let fired = match *member {
            Member::Rule(rule) => {
                let value = run.value_at(*run.program.rule_values.at(rule));
                status.set(rule, RuleStatus::of(value));
                let unknown = value == Tri::Unknown;
                if unknown {
                    stopped.set(rule, first_match);
                }
                value
            }
            Member::Section(section) => {
                let inner = &run.program.model.sections.at(section);
                let scope = inner.first_match.then_some(section);
                let value = walk(run, &inner.members, scope, status, stopped);
                // An undecided rule in a nested section stops this
                // first-match section too: name the outermost one it stops.
                if let (Some(outer), Tri::Unknown) = (first_match, value) {
                    for rule in run.program.rules_under(member) {
                        if *status.at(*rule) == RuleStatus::Undecided {
                            stopped.set(*rule, Some(outer));
                        }
                    }
                }
                value
            }
        };
        any = any.or(fired);
    }
    any
}

/// Marks every rule under `member` with `value`.
fn mark(
    run: &Run<'_, '_>,
    member: &Member,
    value: RuleStatus,
    status: &mut IdVec<RuleId, RuleStatus>,
) {
    for rule in run.program.rules_under(member) {
        status.set(*rule, value);
    }
}

fn withholding(run: &Run<'_, '_>, action: ActionId, avoids: &Avoids) -> Option<Withholding> {
    let clauses = &run.program.contraindications.at(action);
    let avoided = avoids.of(action);
    // Most alternatives are neither contraindicated nor avoided.
    if avoided == 0
        && clauses
            .iter()
            .all(|clause| run.node(clause.root) == Tri::False)
    {
        return None;
    }
    let mut holds = Vec::new();
    let mut unsettled = Vec::new();
    let mut needs = Needs::new();
    for (index, clause) in clauses.iter().enumerate() {
        match run.node(clause.root) {
            Tri::True => holds.push(index),
            Tri::Unknown => {
                unsettled.push(index);
                needs.extend(run.needs(clause.root));
            }
            Tri::False => {}
        }
    }
    if !holds.is_empty() {
        return Some(Withholding::Contraindicated(holds));
    }
    if avoided & Avoids::FIRED != 0 {
        return Some(Withholding::Avoided(avoids.rules(action, true)));
    }
    if !unsettled.is_empty() {
        needs.sort_unstable();
        needs.dedup();
        return Some(Withholding::Unsettled {
            clauses: unsettled,
            needs,
        });
    }
    let maybe: Vec<RuleId> = if avoided & Avoids::UNDECIDED != 0 {
        avoids.rules(action, false)
    } else {
        Vec::new()
    };
    if !maybe.is_empty() {
        let mut needs: Needs = maybe
            .iter()
            .flat_map(|rule| run.needs(run.program.rules.at(*rule).root))
            .collect();
        needs.sort_unstable();
        needs.dedup();
        return Some(Withholding::MaybeAvoided {
            rules: maybe,
            needs,
        });
    }
    None
}

fn add_cautions(run: &Run<'_, '_>, action: ActionId, notes: &mut SmallVec<[CautionNote; 1]>) {
    for (clause, compiled) in run.program.cautions.at(action).iter().enumerate() {
        let value = run.node(compiled.root);
        if value != Tri::False {
            let needs = if value == Tri::Unknown {
                run.needs(compiled.root)
            } else {
                Needs::new()
            };
            notes.push(CautionNote {
                clause,
                value,
                needs,
            });
        }
    }
}

/// Recommending two actions declared exclusive is a conflict for a clinician.
fn exclusive_conflicts(program: &Program<'_>, evaluation: &mut Evaluation) {
    if program.model.exclusives.is_empty() {
        return;
    }
    // A conflict needs two recommended actions of some group.
    let in_some_group = |r: &Recommendation| {
        program
            .exclusive_actions
            .get(r.action.index())
            .copied()
            .unwrap_or(false)
    };
    if evaluation
        .recommended
        .iter()
        .filter(|r| in_some_group(r))
        .nth(1)
        .is_none()
    {
        return;
    }
    for (group, exclusive) in program.model.exclusives.iter().enumerate() {
        // Most groups have at most one action recommended: count before
        // listing them.
        let recommended = |action: &ActionId| {
            evaluation
                .recommended
                .iter()
                .any(|recommendation| recommendation.action == *action)
        };
        if exclusive.actions.iter().filter(|a| recommended(a)).count() < 2 {
            continue;
        }
        // Options of one equal choice are alternatives (the clinician gives
        // one of them), never a conflict with each other; any other two
        // recommendations of different actions of the group are.
        let members: Vec<&Recommendation> = evaluation
            .recommended
            .iter()
            .filter(|r| exclusive.actions.contains(&r.action))
            .collect();
        let mut involved: Vec<(ActionId, RuleId)> = Vec::new();
        for recommendation in &members {
            if members
                .iter()
                .any(|other| in_conflict(recommendation, other))
                && !involved.iter().any(|(a, _)| *a == recommendation.action)
            {
                involved.push((recommendation.action, recommendation.rule));
            }
        }
        if involved.len() > 1 {
            evaluation.escalations.push(Escalation {
                cause: EscalationCause::Exclusive {
                    group,
                    actions: involved,
                },
                needs: Needs::new(),
            });
        }
    }
}

/// Whether two recommendations of actions of one exclusive group conflict:
/// different actions, and not two options of the same equal choice.
fn in_conflict(first: &Recommendation, second: &Recommendation) -> bool {
    first.action != second.action
        && !(first.offered && first.rule == second.rule && first.choice == second.choice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sema::{Condition, Model, Type};

    /// Kleene semantics read straight off the model's condition trees
    /// (`exact::meaning`, a plain walk of the tree): the meaning the
    /// compiled schedule must keep.
    fn meaning(model: &Model, patient: &Patient, condition: &Condition) -> Tri {
        crate::eval::exact::meaning(model, condition, &|fact| patient.get(fact))
    }

    /// The value a condition at `root` must have: its Kleene meaning, or,
    /// where that is unknown and the root is a decision with an exact plan,
    /// the plan's decision (`exact`).
    fn decided(
        program: &Program<'_>,
        patient: &Patient,
        condition: &Condition,
        root: NodeId,
    ) -> Tri {
        let kleene = meaning(program.model, patient, condition);
        let slot = slot_of(&program.schedule.value_at, root);
        match program.exact_roots().iter().find(|r| r.slot == slot) {
            Some(exact) if kleene == Tri::Unknown => exact.plan.decide(patient),
            _ => kleene,
        }
    }

    fn random_patient(model: &Model, program: &Program<'_>, seed: &mut u64) -> Patient {
        let mut next = || {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed
        };
        let mut patient = Patient::unknown(program);
        for (index, fact) in model.facts.iter().enumerate() {
            if next() % 3 == 0 {
                continue;
            }
            let r = next();
            let value = match &fact.ty {
                Type::Bool => Value::Bool(r % 2 == 0),
                Type::Number | Type::Quantity(_) | Type::Date => {
                    Value::Number((r % 2000) as f64 / 10.0)
                }
                Type::Enum(id) => Value::Enum((r % model.enums.at(*id).values.len() as u64) as u32),
                Type::Set(id) => {
                    let len = model.enums.at(*id).values.len().min(127);
                    let bits = u128::from(r) << 64 | u128::from(next());
                    Value::Set(bits & ((1u128 << len) - 1))
                }
            };
            patient.set(FactId::from_index(index), value);
        }
        patient
    }

    #[test]
    fn schedule_keeps_the_meaning_of_every_condition() {
        for path in [
            "guidelines/dermatomyositis.gdl",
            "tests/guidelines/demo.gdl",
        ] {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let model = crate::compile(&text).model.unwrap_or_default();
            assert!(!model.rules.is_empty(), "{path}");
            let program = Program::new(&model);
            let mut seed = 0x2545_f491_4f6c_dd1d;
            for _ in 0..2000 {
                let patient = random_patient(&model, &program, &mut seed);
                let run = Run::new(&program, &patient);
                let conditions = model
                    .rules
                    .iter()
                    .map(|r| &r.condition)
                    .zip(&program.rules)
                    .chain(
                        model
                            .definitions
                            .iter()
                            .map(|d| &d.condition)
                            .zip(&program.definitions),
                    )
                    .chain(
                        model
                            .invariants
                            .iter()
                            .map(|i| &i.condition)
                            .zip(&program.invariants),
                    );
                for (condition, compiled) in conditions {
                    assert_eq!(
                        run.node(compiled.root),
                        decided(&program, &patient, condition, compiled.root),
                        "{path}: {patient:?}"
                    );
                }
            }
        }
    }

    /// The walk for needs cut short by each node's fact bits finds what
    /// the plain walk over every unknown leaf finds, and traced to the
    /// facts given as bits the same facts as `given_needs` on the list,
    /// for every decision condition and definition of each shipped
    /// guideline (scores, computed values, nested definitions) on random
    /// patients.
    #[test]
    fn needs_cut_short_by_fact_bits_are_the_unknown_leaves_facts() {
        for path in [
            "guidelines/dermatomyositis.gdl",
            "guidelines/af-anticoagulation.gdl",
            "guidelines/cap-curb65.gdl",
            "tests/guidelines/demo.gdl",
        ] {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let model = crate::compile(&text).model.unwrap_or_default();
            let program = Program::new(&model);
            assert!(!program.fact_bits.is_empty(), "{path}");
            let roots: Vec<NodeId> = program
                .rules
                .iter()
                .chain(program.definitions.iter())
                .chain(program.contraindications.iter().flatten())
                .chain(program.cautions.iter().flatten())
                .map(|compiled| compiled.root)
                .collect();
            let mut seed = 0x9e37_79b9_7f4a_7c15;
            let mut unknown_roots = 0;
            for round in 0..2000 {
                let mut patient = random_patient(&model, &program, &mut seed);
                if round % 2 == 0 {
                    program.derive(&mut patient);
                }
                let run = Run::new(&program, &patient);
                for &root in &roots {
                    if run.node(root) != Tri::Unknown {
                        continue;
                    }
                    unknown_roots += 1;
                    let mut walked = 0u64;
                    run.unknown_leaves(root, |leaf| {
                        if let Some(fact) = leaf_fact(leaf) {
                            walked |= 1 << fact;
                        }
                    });
                    assert_eq!(run.unknown_fact_bits(root), walked, "{path}: {patient:?}");
                    if run.exact_plan(root).is_none() {
                        let listed = (0..64)
                            .filter(|fact| walked & (1 << fact) != 0)
                            .map(FactId)
                            .collect();
                        let given = program.given_needs(listed, &patient);
                        assert_eq!(run.needs(root), given, "{path}: {patient:?}");
                    }
                }
            }
            assert!(unknown_roots > 1000, "{path}: {unknown_roots}");
        }
    }

    /// Every rule's compiled value for `patient` is its condition's meaning.
    fn assert_rules_keep_their_meaning(model: &Model, program: &Program<'_>, patient: &Patient) {
        let run = Run::new(program, patient);
        for (rule, compiled) in model.rules.iter().zip(&program.rules) {
            assert_eq!(
                run.node(compiled.root),
                decided(program, patient, &rule.condition, compiled.root),
                "{}: {patient:?}",
                rule.name
            );
        }
    }

    /// Nodes of one shape share a value: conditions that repeat a test, or
    /// use the same operands under different connectives, keep their own
    /// meaning, on every combination of the facts (unknown included).
    #[test]
    fn repeated_shapes_keep_their_meaning() {
        let text = r#"
guideline shapes "Shapes" {}
reference R pmid 1 "R"
enum Site { scalp, hands }
fact a: bool "A"
fact b: bool "B"
fact sites: set of Site "Sites"
action x "X"
action y "Y"
rule r1 "R1" { when a and b then recommend x cite R }
rule r2 "R2" { when a or b then recommend x cite R }
rule r3 "R3" { when b and a then recommend y cite R }
rule r4 "R4" { when not a and not (a and b) then recommend y cite R }
rule r5 "R5" { when (a implies b) or (b implies a) then recommend x cite R }
rule r6 "R6" { when scalp in sites and not (hands in sites) then recommend y cite R }
rule r7 "R7" { when hands in sites or scalp in sites then recommend x cite R }
"#;
        let compiled = crate::compile(text);
        assert!(
            compiled.diagnostics.is_empty(),
            "{:?}",
            compiled.diagnostics
        );
        let model = compiled.model.unwrap_or_default();
        let program = Program::new(&model);
        let bools = [None, Some(false), Some(true)];
        let sets = [None, Some(0b00), Some(0b01), Some(0b10), Some(0b11)];
        for a in bools {
            for b in bools {
                for set in sets {
                    let mut patient = Patient::unknown(&program);
                    patient.set(FactId(0), a.map_or(Value::Unknown, Value::Bool));
                    patient.set(FactId(1), b.map_or(Value::Unknown, Value::Bool));
                    patient.set(FactId(2), set.map_or(Value::Unknown, Value::Set));
                    assert_rules_keep_their_meaning(&model, &program, &patient);
                }
            }
        }
    }

    /// Members 64..128 of a set are stored apart from members 0..64
    /// (`Patient`'s `high` words); leaves read each from its own word.
    #[test]
    fn large_sets_are_read_past_64_members() {
        let values: Vec<String> = (0..100).map(|i| format!("v{i}")).collect();
        let text = format!(
            r#"
guideline wide "Wide" {{}}
reference R pmid 1 "R"
enum Code {{ {} }}
fact codes: set of Code "Codes"
action x "X"
rule low "Low" {{ when v3 in codes then recommend x cite R }}
rule edge "Edge" {{ when v63 in codes and not (v64 in codes) then recommend x cite R }}
rule high "High" {{ when v64 in codes or v99 in codes then recommend x cite R }}
"#,
            values.join(", ")
        );
        let compiled = crate::compile(&text);
        let model = compiled.model.unwrap_or_default();
        assert_eq!(model.rules.len(), 3, "{:?}", compiled.diagnostics);
        let program = Program::new(&model);
        for set in [
            None,
            Some(0),
            Some(1 << 3),
            Some(1 << 63),
            Some(1 << 64),
            Some(1 << 99),
            Some(1 << 63 | 1 << 64),
        ] {
            let mut patient = Patient::unknown(&program);
            patient.set(FactId(0), set.map_or(Value::Unknown, Value::Set));
            assert_rules_keep_their_meaning(&model, &program, &patient);
        }
    }

    /// Three actions, `b` contraindicated when `x`, all in one exclusive
    /// group with `d`; `r` offers any of `a`, `b`, `c` when `y`, and `o`
    /// recommends `d` when `z`.
    const EQUAL: &str = r#"
guideline equal "Equal" {}
reference R pmid 1 "R"
fact x: bool "X"
fact y: bool "Y"
fact z: bool "Z"
action a "A"
action b "B" { contraindicated-if x cite R }
action c "C" { contraindicated-if x cite R }
action d "D"
exclusive a, b, c, d
rule r "Any" { when y then recommend any of a, b, c cite R }
rule o "Other" { when z then recommend d cite R }
"#;

    /// The evaluation of [`EQUAL`] for facts x, y, z (`None` unknown).
    fn equal_choice(facts: [Option<bool>; 3]) -> Evaluation {
        let model = crate::test_model(EQUAL);
        let program = Program::new(&model);
        let mut patient = Patient::unknown(&program);
        for (index, value) in facts.into_iter().enumerate() {
            patient.set(
                FactId(index as u32),
                value.map_or(Value::Unknown, Value::Bool),
            );
        }
        evaluate(&program, &patient)
    }

    fn offered(evaluation: &Evaluation) -> Vec<(u32, bool)> {
        evaluation
            .recommended
            .iter()
            .map(|r| (r.action.0, r.offered))
            .collect()
    }

    /// Treating the options as ordered would give `a` alone.
    #[test]
    fn every_option_of_an_equal_choice_not_withheld_is_offered() {
        let evaluation = equal_choice([Some(false), Some(true), Some(false)]);
        assert_eq!(offered(&evaluation), [(0, true), (1, true), (2, true)]);
        assert!(evaluation.escalations.is_empty(), "{evaluation:?}");
        assert_eq!(evaluation.withheld().count(), 0);
    }

    /// An unknown contraindication withholds an option (never silently
    /// false), and the first offered option carries every withheld one.
    #[test]
    fn withheld_options_are_listed_once_with_their_reasons() {
        let evaluation = equal_choice([None, Some(true), Some(false)]);
        assert_eq!(offered(&evaluation), [(0, true)]);
        let withheld: Vec<(u32, bool)> = evaluation
            .withheld()
            .map(|w| (w.action.0, matches!(w.why, Withholding::Unsettled { .. })))
            .collect();
        assert_eq!(withheld, [(1, true), (2, true)]);
        assert_eq!(
            evaluation.recommended.first().map(|r| r.skipped.len()),
            Some(2)
        );
    }

    /// Options of one equal choice in one exclusive group are alternatives;
    /// an option with another rule's recommendation is a conflict.
    #[test]
    fn options_of_one_equal_choice_conflict_only_with_other_recommendations() {
        let alone = equal_choice([Some(false), Some(true), Some(false)]);
        assert!(alone.escalations.is_empty(), "{alone:?}");
        let with_other = equal_choice([Some(false), Some(true), Some(true)]);
        let conflicts: Vec<&EscalationCause> = with_other
            .escalations
            .iter()
            .map(|e| &e.cause)
            .filter(|c| matches!(c, EscalationCause::Exclusive { .. }))
            .collect();
        assert_eq!(conflicts.len(), 1, "{with_other:?}");
    }

    /// Every option withheld: the rule escalates as an ordered choice does.
    #[test]
    fn an_equal_choice_with_every_option_withheld_escalates() {
        let model = crate::test_model(&EQUAL.replace(
            "action a \"A\"",
            "action a \"A\" { contraindicated-if x cite R }",
        ));
        let program = Program::new(&model);
        let mut patient = Patient::unknown(&program);
        patient.set(FactId(0), Value::Bool(true));
        patient.set(FactId(1), Value::Bool(true));
        patient.set(FactId(2), Value::Bool(false));
        let evaluation = evaluate(&program, &patient);
        assert!(evaluation.recommended.is_empty(), "{evaluation:?}");
        assert!(matches!(
            evaluation.escalations.as_slice(),
            [Escalation {
                cause: EscalationCause::NoAlternative { withheld, .. },
                ..
            }] if withheld.len() == 3
        ));
    }

    /// `then recommend d, any of a, b`: the preferred `d` alone while it
    /// can be given; the options once it is withheld.
    #[test]
    fn a_preferred_alternative_comes_before_the_equal_options() {
        let text = EQUAL
            .replace(
                "action d \"D\"",
                "action d \"D\" { contraindicated-if z cite R }",
            )
            .replace("exclusive a, b, c, d", "")
            .replace(
                "then recommend any of a, b, c",
                "then recommend d, any of a, b, c",
            );
        let model = crate::test_model(&text);
        let program = Program::new(&model);
        let run = |z: bool| {
            let mut patient = Patient::unknown(&program);
            patient.set(FactId(0), Value::Bool(false));
            patient.set(FactId(1), Value::Bool(true));
            patient.set(FactId(2), Value::Bool(z));
            evaluate(&program, &patient)
        };
        let preferred = run(false);
        let given: Vec<(u32, u32, bool)> = preferred
            .recommended
            .iter()
            .map(|r| (r.rule.0, r.action.0, r.offered))
            .collect();
        assert_eq!(given, [(0, 3, false)]);
        let options = run(true);
        let given: Vec<(u32, u32, bool)> = options
            .recommended
            .iter()
            .filter(|r| r.rule.0 == 0)
            .map(|r| (r.rule.0, r.action.0, r.offered))
            .collect();
        assert_eq!(given, [(0, 0, true), (0, 1, true), (0, 2, true)]);
        // The preferred `d`, withheld, is listed with the options of rule
        // `r` (rule `o`, which also lists `d`, escalates with it).
        let withheld_by_r: Vec<u32> = options
            .withheld()
            .filter(|w| w.rule.0 == 0)
            .map(|w| w.action.0)
            .collect();
        assert_eq!(withheld_by_r, [3]);
    }
}

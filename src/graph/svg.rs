//! The flowchart as SVG, laid out here: no Graphviz, no layout crate.
//!
//! The picture is a tree (lanes hold rules, a rule holds its alternatives),
//! so it is placed, not searched for: each top-level section is a column,
//! a nested section a box inside its column, each rule's decision on the
//! left with its alternatives indented under it, one under the other in
//! order of preference. A "yes" edge runs down a trunk on the decision's
//! left and turns into its box; the next alternative hangs under the one
//! before; a first-match section's "no" edges run down a gutter on the
//! right. Coordinates are whole pixels and everything is written in graph
//! order, so the same graph gives the same bytes. Text widths are
//! estimated (labels are already wrapped to [`super::WIDTH`] characters),
//! so boxes are wide enough for any common sans-serif font.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Edge, EdgeKind, Graph, Item, Lane, LineKind, Mark, Node, Shape, words};

/// Width of a top-level lane.
const LANE: i32 = 400;
/// Space between lanes.
const LANE_GAP: i32 = 24;
/// Padding inside a lane.
const PAD: i32 = 10;
/// The column on a lane's right where "no" edges run.
const GUTTER: i32 = 20;
/// How far alternatives are indented under their decision.
const INDENT: i32 = 34;
/// The trunk of "yes" edges, from a decision's left.
const TRUNK: i32 = 14;
/// The trunk of edges between alternatives, from the decision's left.
const TRUNK2: i32 = 24;
/// How far a decision's sides point out.
const POINT: i32 = 12;
/// Space above a node (an edge's label sits in it).
const GAP: i32 = 18;
/// Outer margin.
const MARGIN: i32 = 16;
/// Height of a line of text of each kind.
fn line_height(kind: LineKind) -> i32 {
    match kind {
        LineKind::Name => 13,
        _ => 15,
    }
}

/// Where a node was placed.
#[derive(Clone, Copy)]
struct Place {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
}

impl Place {
    fn mid(self) -> i32 {
        self.y + self.h / 2
    }
    fn bottom(self) -> i32 {
        self.y + self.h
    }
    fn right(self) -> i32 {
        self.x + self.w
    }
}

/// The graph as SVG text.
pub fn write(graph: &Graph) -> String {
    let mut body = String::new();
    let mut places: BTreeMap<&str, Place> = BTreeMap::new();
    // Nodes in drawing order, for "is `to` right under `from`".
    let mut order: Vec<&str> = Vec::new();
    let header = header_height(graph);
    let top = MARGIN + header;
    // Lanes go down a column while they fit beside the tallest, then on
    // to the next column: short sections share one, in source order.
    let heights: Vec<i32> = graph
        .lanes
        .iter()
        .map(|lane| {
            let (mut places, mut order, mut scratch) = (BTreeMap::new(), Vec::new(), String::new());
            place_lane(lane, 0, 0, LANE, &mut places, &mut order, &mut scratch, 0)
        })
        .collect();
    let tallest = heights.iter().copied().max().unwrap_or(0);
    let mut bottom = top;
    let mut x = MARGIN;
    let mut y = top;
    for (lane, height) in graph.lanes.iter().zip(&heights) {
        if y > top && y + height > top + tallest {
            x += LANE + LANE_GAP;
            y = top;
        }
        place_lane(lane, x, y, LANE, &mut places, &mut order, &mut body, 0);
        y += height + LANE_GAP;
        bottom = bottom.max(y - LANE_GAP);
    }
    x += LANE + LANE_GAP;
    let width = (x - LANE_GAP + MARGIN).max(700);
    let mut edges = String::new();
    for edge in &graph.edges {
        draw_edge(&mut edges, edge, &places, &order);
    }
    let (references, references_height) = references(graph, width, bottom + 24);
    let height = bottom + 24 + references_height + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        out,
        "<title>{}</title>",
        escape(&format!("{}: flowchart (gdl graph)", graph.title))
    );
    out.push_str(STYLE);
    out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    draw_header(&mut out, graph);
    out.push_str(&body);
    out.push_str(&edges);
    out.push_str(&references);
    out.push_str("</svg>\n");
    out
}

const STYLE: &str = "<defs>
<marker id=\"arrow-dark\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333333\"/></marker>
<marker id=\"arrow-grey\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#b0b4b9\"/></marker>
<marker id=\"arrow-taken\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" markerWidth=\"5\" markerHeight=\"5\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1a7f37\"/></marker>
<marker id=\"arrow-amber\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8a5a00\"/></marker>
<marker id=\"tee\" viewBox=\"0 0 4 12\" refX=\"4\" refY=\"6\" markerWidth=\"4\" markerHeight=\"12\" orient=\"auto\"><rect width=\"4\" height=\"12\" fill=\"#b00020\"/></marker>
<marker id=\"tee-grey\" viewBox=\"0 0 4 12\" refX=\"4\" refY=\"6\" markerWidth=\"4\" markerHeight=\"12\" orient=\"auto\"><rect width=\"4\" height=\"12\" fill=\"#b0b4b9\"/></marker>
<marker id=\"tee-taken\" viewBox=\"0 0 4 12\" refX=\"4\" refY=\"6\" markerWidth=\"2\" markerHeight=\"6\" orient=\"auto\"><rect width=\"4\" height=\"12\" fill=\"#1a7f37\"/></marker>
</defs>
<style>
.m { font-size: 12px; fill: #000000; }
.n { font-size: 10px; fill: #555555; }
.g { font-size: 12px; fill: #b00020; }
.c { font-size: 12px; fill: #8a5a00; }
.s { font-size: 12px; font-weight: bold; fill: #000000; }
.off .m, .off .s, .off .g, .off .c { fill: #5f6368; }
.lane { font-size: 14px; font-weight: bold; }
.label { font-size: 10px; }
.h1 { font-size: 20px; font-weight: bold; }
.ref { font-size: 10px; fill: #333333; }
</style>
";

/// The lines of text above the legend: title, guideline, how to read.
fn header_lines(graph: &Graph) -> Vec<(String, &'static str)> {
    let mut lines = vec![
        (graph.title.clone(), "h1"),
        (
            format!(
                "guideline {} · each lane is a section of the guideline; [n] are the references listed at the bottom",
                graph.name
            ),
            "m",
        ),
        (
            "Alternatives are in order of preference, top to bottom: the next is given only if the one above is withheld. In a first-match section the first rule that holds decides (\"no\": on to the next rule).".to_owned(),
            "m",
        ),
    ];
    if let Some(patient) = &graph.patient {
        lines.push((
            format!(
                "Path of patient {patient}: thick green and ✓ = taken (held, recommended, avoided, escalated); dashed red and \"withheld: …\" = reached but withheld; dotted and \"?\" = undecided; thin grey = not taken."
            ),
            "s",
        ));
    }
    lines
}

/// Height of the header: its lines and the legend row.
fn header_height(graph: &Graph) -> i32 {
    let lines = i32::try_from(header_lines(graph).len()).unwrap_or(4);
    22 + (lines - 1) * 18 + LEGEND + 8
}

/// Height of the legend row.
const LEGEND: i32 = 44;

fn draw_header(out: &mut String, graph: &Graph) {
    let mut y = MARGIN + 20;
    for (text, class) in header_lines(graph) {
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN}\" y=\"{y}\" class=\"{class}\">{}</text>",
            escape(&text)
        );
        y += if class == "h1" { 22 } else { 18 };
    }
    draw_legend(out, y - 8);
}

/// One of each shape and edge, with what it means.
fn draw_legend(out: &mut String, y: i32) {
    let plain = |shape, lines: &[(LineKind, &str)]| Node {
        id: String::new(),
        shape,
        lines: lines
            .iter()
            .map(|(kind, text)| super::Line {
                kind: *kind,
                text: (*text).to_owned(),
            })
            .collect(),
        detail: String::new(),
        mark: Mark::Plain,
    };
    out.push_str("<g id=\"legend\">");
    let mut x = MARGIN;
    let shapes = [
        (
            plain(
                Shape::Decision,
                &[(LineKind::Main, "a rule's condition: holds?")],
            ),
            200,
        ),
        (
            plain(
                Shape::Action,
                &[
                    (LineKind::Main, "action to recommend"),
                    (LineKind::Guard, "✗ not if: contraindication"),
                ],
            ),
            190,
        ),
        (
            plain(Shape::Avoid, &[(LineKind::Main, "✗ Avoid: an action")]),
            140,
        ),
        (
            plain(Shape::Exit, &[(LineKind::Main, "Escalate to a clinician")]),
            170,
        ),
    ];
    for (node, width) in &shapes {
        let h = node_height(node);
        draw_node(
            out,
            node,
            Place {
                x,
                y: y + (LEGEND - h) / 2,
                w: *width,
                h,
            },
        );
        x += width + 16;
    }
    for (dash, colour, marker, text) in [
        (
            "",
            "#333333",
            "arrow-dark",
            "yes [n]: the rule holds (cited)",
        ),
        (
            " stroke-dasharray=\"5 3\"",
            "#333333",
            "arrow-dark",
            "if withheld: next",
        ),
        (" stroke-dasharray=\"5 3\"", "#b00020", "tee", "avoid"),
    ] {
        let mid = y + LEGEND / 2;
        let _ = write!(
            out,
            "<polyline points=\"{x},{mid} {},{mid}\" fill=\"none\" stroke=\"{colour}\"{dash} marker-end=\"url(#{marker})\"/><text x=\"{}\" y=\"{}\" class=\"m\">{}</text>",
            x + 36,
            x + 42,
            mid + 4,
            escape(text)
        );
        x += 42 + 7 * i32::try_from(text.chars().count()).unwrap_or(10) + 16;
    }
    out.push_str("</g>\n");
}

/// Places a lane at (`x`, `y`), `width` wide, draws its frame and nodes into
/// `out`, and returns its height.
#[allow(
    clippy::too_many_arguments,
    reason = "the layout's state, threaded through one recursion"
)]
fn place_lane<'g>(
    lane: &'g Lane,
    x: i32,
    y: i32,
    width: i32,
    places: &mut BTreeMap<&'g str, Place>,
    order: &mut Vec<&'g str>,
    out: &mut String,
    depth: usize,
) -> i32 {
    let mut inner = String::new();
    let title = words::wrap(&lane.title, usize::try_from(width / 8).unwrap_or(40));
    let title_height = 18 * i32::try_from(title.len()).unwrap_or(1);
    let mut cy = y + 24 + title_height;
    // Items end here; the gutter for "no" edges is to the right.
    let limit = x + width - PAD - GUTTER;
    for item in &lane.items {
        match item {
            Item::Node(node) => {
                let indent = if node.shape == Shape::Decision {
                    0
                } else {
                    INDENT
                };
                let nx = x + PAD + indent;
                let place = Place {
                    x: nx,
                    y: cy
                        + if node.shape == Shape::Decision {
                            8
                        } else {
                            GAP
                        },
                    w: limit - nx,
                    h: node_height(node),
                };
                draw_node(&mut inner, node, place);
                places.insert(&node.id, place);
                order.push(&node.id);
                cy = place.bottom();
            }
            Item::Lane(nested) => {
                cy += 12;
                let height = place_lane(
                    nested,
                    x + PAD,
                    cy,
                    limit - x - PAD,
                    places,
                    order,
                    &mut inner,
                    depth + 1,
                );
                cy += height;
            }
        }
    }
    let height = cy - y + PAD + 4;
    let fill = if depth == 0 { "#f6f8fa" } else { "#eceff3" };
    let _ = writeln!(
        out,
        "<g id=\"{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height}\" rx=\"8\" fill=\"{fill}\" stroke=\"#5b6b7b\"/>",
        lane.id
    );
    for (index, line) in (0..).zip(&title) {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"lane\">{}</text>",
            x + PAD,
            y + 18 + 18 * index,
            escape(line)
        );
    }
    let mut caption = String::new();
    if !lane.name.is_empty() {
        caption = format!("section {}", lane.name);
    }
    if lane.first_match {
        caption.push_str(" · first match: the first rule that holds decides");
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" class=\"n\">{}</text>",
        x + PAD,
        y + 14 + title_height,
        escape(&caption)
    );
    out.push_str(&inner);
    out.push_str("</g>\n");
    height
}

fn node_height(node: &Node) -> i32 {
    let text: i32 = node.lines.iter().map(|l| line_height(l.kind)).sum();
    text + if node.shape == Shape::Decision {
        16
    } else {
        10
    }
}

fn draw_node(out: &mut String, node: &Node, place: Place) {
    let Place { x, y, w, h } = place;
    let (fill, mut dash) = match node.shape {
        Shape::Decision => ("#fff8dc", ""),
        Shape::Action => ("#e8f1fb", ""),
        Shape::Avoid => ("#fdecec", " stroke-dasharray=\"6 3\""),
        Shape::Exit => ("#fde7d3", ""),
    };
    let (stroke, width) = match node.mark {
        Mark::Plain => (
            if node.shape == Shape::Avoid {
                "#b00020"
            } else {
                "#333333"
            },
            1,
        ),
        Mark::Taken => ("#1a7f37", 3),
        Mark::NotTaken => ("#9aa0a6", 1),
        Mark::Withheld => {
            dash = " stroke-dasharray=\"6 3\"";
            ("#b00020", 2)
        }
        Mark::Undecided => {
            dash = " stroke-dasharray=\"2 2\"";
            ("#8a5a00", 2)
        }
    };
    let fill = if node.mark == Mark::NotTaken {
        "#ffffff"
    } else {
        fill
    };
    let class = if node.mark == Mark::NotTaken {
        " class=\"off\""
    } else {
        ""
    };
    let _ = write!(out, "<g id=\"{}\"{class}>", node.id);
    if !node.detail.is_empty() {
        let _ = write!(out, "<title>{}</title>", escape(&node.detail));
    }
    let paint = format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}");
    match node.shape {
        Shape::Decision => {
            let _ = write!(
                out,
                "<polygon points=\"{},{} {},{} {},{} {},{} {},{} {},{}\" {paint}/>",
                x,
                y + h / 2,
                x + POINT,
                y,
                x + w - POINT,
                y,
                x + w,
                y + h / 2,
                x + w - POINT,
                y + h,
                x + POINT,
                y + h
            );
        }
        Shape::Action | Shape::Avoid => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" {paint}/>"
            );
        }
        Shape::Exit => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"14\" {paint}/><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"11\" fill=\"none\" stroke=\"{stroke}\"/>",
                x + 3,
                y + 3,
                w - 6,
                h - 6
            );
        }
    }
    let inset = if node.shape == Shape::Decision {
        POINT + 6
    } else {
        8
    };
    let mut ty = y + if node.shape == Shape::Decision { 8 } else { 5 };
    for line in &node.lines {
        let height = line_height(line.kind);
        ty += height;
        let class = match line.kind {
            LineKind::Main => "m",
            LineKind::Name => "n",
            LineKind::Guard => "g",
            LineKind::Caution => "c",
            LineKind::Status => "s",
        };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"{class}\">{}</text>",
            x + inset,
            ty - 4,
            escape(&line.text)
        );
    }
    out.push_str("</g>\n");
}

fn draw_edge(out: &mut String, edge: &Edge, places: &BTreeMap<&str, Place>, order: &[&str]) {
    if edge.kind == EdgeKind::Order {
        return;
    }
    let (Some(&from), Some(&to)) = (places.get(edge.from.as_str()), places.get(edge.to.as_str()))
    else {
        return;
    };
    let dashed = matches!(
        edge.kind,
        EdgeKind::Next | EdgeKind::Avoid | EdgeKind::Escalate
    );
    let (mut colour, mut width, mut marker) = match edge.kind {
        EdgeKind::Avoid => ("#b00020", 1, "tee"),
        EdgeKind::Escalate => ("#8a5a00", 1, "arrow-amber"),
        _ => ("#333333", 1, "arrow-dark"),
    };
    let mut label = edge.label.clone();
    match edge.mark {
        Mark::Taken => {
            colour = "#1a7f37";
            width = 3;
            marker = if edge.kind == EdgeKind::Avoid {
                "tee-taken"
            } else {
                "arrow-taken"
            };
            label = format!("✓ {label}");
        }
        Mark::NotTaken => {
            colour = "#b0b4b9";
            marker = if edge.kind == EdgeKind::Avoid {
                "tee-grey"
            } else {
                "arrow-grey"
            };
        }
        Mark::Plain | Mark::Withheld | Mark::Undecided => {}
    }
    let from_index = order.iter().position(|id| *id == edge.from);
    let to_index = order.iter().position(|id| *id == edge.to);
    let adjacent = from_index.is_some_and(|f| to_index == Some(f + 1));
    let (points, label_at) = if edge.kind == EdgeKind::No {
        // Down the gutter on the right, into the next decision's side.
        let column = from.right().max(to.right()) + GUTTER / 2;
        (
            vec![
                (from.right(), from.mid()),
                (column, from.mid()),
                (column, to.mid()),
                (to.right(), to.mid()),
            ],
            (column - 14, from.mid() - 4),
        )
    } else if from.x < to.x {
        // From a decision: down its trunk, then into the box.
        let trunk = from.x + TRUNK;
        (
            vec![(trunk, from.bottom()), (trunk, to.mid()), (to.x, to.mid())],
            (to.x + 2, to.y - 4),
        )
    } else if adjacent {
        // The next alternative, right under this one.
        let column = to.x + 16;
        (
            vec![(column, from.bottom()), (column, to.y)],
            (column + 6, to.y - 5),
        )
    } else {
        // Past the nodes in between, down the second trunk.
        let trunk = from.x - INDENT + TRUNK2;
        (
            vec![
                (from.x, from.mid()),
                (trunk, from.mid()),
                (trunk, to.mid()),
                (to.x, to.mid()),
            ],
            (to.x + 2, to.y - 4),
        )
    };
    let path: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
    let dash = if dashed {
        " stroke-dasharray=\"5 3\""
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{marker})\"><title>{} → {}</title></polyline>",
        path.join(" "),
        escape(&edge.from),
        escape(&edge.to)
    );
    let label = label.trim();
    if !label.is_empty() {
        let weight = if edge.mark == Mark::Taken {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"label\" fill=\"{colour}\"{weight}>{}</text>",
            label_at.0,
            label_at.1,
            escape(label)
        );
    }
}

/// The reference list under the lanes, and its height.
fn references(graph: &Graph, width: i32, y: i32) -> (String, i32) {
    if graph.references.is_empty() {
        return (String::new(), 0);
    }
    let entries: Vec<String> = graph
        .references
        .iter()
        .map(|(number, key, _)| format!("[{number}] {key}"))
        .collect();
    let text = format!(
        "References (keys; full citations in the guideline): {}",
        entries.join(" · ")
    );
    let columns = usize::try_from((width - 2 * MARGIN) / 6).unwrap_or(100);
    let mut out = String::new();
    let mut line_y = y;
    for line in words::wrap(&text, columns) {
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN}\" y=\"{line_y}\" class=\"ref\">{}</text>",
            escape(&line)
        );
        line_y += 14;
    }
    (out, line_y - y)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

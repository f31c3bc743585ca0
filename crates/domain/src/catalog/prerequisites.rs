//! 前置审批: items an item needs first, named by their implementation codes. Items must not be
//! each other's prerequisites (互为前置), however long the chain: publishing a version that
//! would close a loop is refused, naming the loop (A → B → C → A).

use std::collections::{BTreeMap, BTreeSet};

use crate::org::FieldErrors;

/// The prerequisite graph of a catalogue: each item's code with its name and prerequisites.
#[derive(Debug, Default, Clone)]
pub struct PrerequisiteGraph {
    items: BTreeMap<String, (String, Vec<String>)>,
}

impl PrerequisiteGraph {
    /// Puts (or replaces) an item's node.
    pub fn set(&mut self, code: &str, name: &str, prerequisites: &[String]) {
        self.items
            .insert(code.to_owned(), (name.to_owned(), prerequisites.to_vec()));
    }

    fn label(&self, code: &str) -> String {
        match self.items.get(code) {
            Some((name, _)) => format!("{name}（{code}）"),
            None => code.to_owned(),
        }
    }

    /// The loop through `start`, if its prerequisites lead back to it: the codes in order,
    /// `start` first and last.
    pub fn cycle_through(&self, start: &str) -> Option<Vec<String>> {
        // Depth-first over the prerequisites, keeping the path; each node is entered once.
        let mut path = vec![start.to_owned()];
        let mut seen = BTreeSet::new();
        self.walk(start, start, &mut path, &mut seen)
            .then_some(path)
    }

    fn walk(
        &self,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let Some((_, next)) = self.items.get(at) else {
            return false;
        };
        for n in next {
            if n == start {
                path.push(n.clone());
                return true;
            }
            if seen.insert(n.clone()) {
                path.push(n.clone());
                if self.walk(start, n, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }

    /// Checks the items in `changed` (the versions being published): every prerequisite is an
    /// item of the catalogue, and none of them closes a loop. Errors name the field
    /// `prerequisites` (with `prefix`, for a file's rows) and the loop by item names.
    pub fn check(&self, changed: &[(String, String)]) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        for (code, field) in changed {
            let Some((_, prerequisites)) = self.items.get(code) else {
                continue;
            };
            for p in prerequisites {
                if !self.items.contains_key(p) {
                    errors.add(field, format!("前置事项 {p} 不在事项目录中"));
                }
            }
            if let Some(cycle) = self.cycle_through(code) {
                let names: Vec<String> = cycle.iter().map(|c| self.label(c)).collect();
                errors.add(
                    field,
                    format!("事项不能互为前置，发布后将形成循环：{}", names.join(" → ")),
                );
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> PrerequisiteGraph {
        let mut g = PrerequisiteGraph::default();
        for (code, pre) in edges {
            let pre: Vec<String> = pre.iter().map(|p| (*p).to_owned()).collect();
            g.set(code, &format!("事项{code}"), &pre);
        }
        g
    }

    #[test]
    fn a_loop_is_named_in_order() {
        let g = graph(&[("A", &["B"]), ("B", &["C"]), ("C", &["A"]), ("D", &["A"])]);
        assert_eq!(g.cycle_through("A").unwrap(), ["A", "B", "C", "A"]);
        assert_eq!(
            g.cycle_through("D"),
            None,
            "D leads into a loop but is not on it"
        );
        let e = g
            .check(&[("A".into(), "prerequisites".into())])
            .unwrap_err();
        let m = e.message_for("prerequisites").unwrap();
        assert!(
            m.contains("事项A（A） → 事项B（B） → 事项C（C） → 事项A（A）"),
            "{m}"
        );
    }

    #[test]
    fn chains_and_shared_prerequisites_are_fine() {
        let g = graph(&[
            ("A", &["B", "C"]),
            ("B", &["C"]),
            ("C", &[]),
            ("D", &["B", "C"]),
        ]);
        for code in ["A", "B", "C", "D"] {
            assert!(g.check(&[(code.into(), "p".into())]).is_ok(), "{code}");
        }
    }

    #[test]
    fn unknown_and_mutual_prerequisites_are_refused() {
        let g = graph(&[("A", &["Z"]), ("B", &["C"]), ("C", &["B"])]);
        let e = g.check(&[("A".into(), "p".into())]).unwrap_err();
        assert!(e.message_for("p").unwrap().contains("Z 不在事项目录中"));
        assert!(g.check(&[("B".into(), "p".into())]).is_err(), "互为前置");
    }
}

//! Where a finding in a rendered chart points: the values-file line that set the offending value
//! (primary), with the template line that printed it as a related location; when no values line
//! is involved, the template line itself. Nothing is guessed: the renderer records, for every
//! byte of its output, which values position ([`Seg`]) and which template position ([`TplSeg`])
//! wrote it, and this locator looks up the node's byte range in those records.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::analyze::engine::Locator;
use crate::analyze::model::Resource;
use crate::discover::manifests::display_path;
use crate::model::Location;
use crate::model::value::{Origin, Seg};
use crate::render::chart::{RenderedChart, RenderedTemplate};
use crate::yaml::{Node, NodeKind};

/// `Origin.file` ids at or above this refer to the run's shared values files (parsed once per
/// run, see [`ValuesRegistry`]); below it, to the render's own [`crate::render::chart::Sources`].
pub const RUN_VALUES_BASE: u32 = 1 << 31;

/// Values files parsed once per run and shared by every render that uses them.
#[derive(Debug, Default)]
pub struct ValuesRegistry {
    /// (display path, text) by `id - RUN_VALUES_BASE`.
    pub files: Vec<(String, Arc<str>)>,
}

impl ValuesRegistry {
    /// The display path and text of a run-wide values file id.
    pub fn get(&self, id: u32) -> Option<&(String, Arc<str>)> {
        id.checked_sub(RUN_VALUES_BASE)
            .and_then(|i| self.files.get(i as usize))
    }
}

/// The locator of one render (chart × environment).
pub struct ChartLocator<'a> {
    pub rendered: &'a RenderedChart,
    pub values: &'a ValuesRegistry,
    pub cwd: &'a Path,
    /// File ids (render-local or run-wide) that findings point into, for code frames.
    pub used: std::sync::Mutex<BTreeMap<String, Arc<str>>>,
}

impl<'a> ChartLocator<'a> {
    pub fn new(rendered: &'a RenderedChart, values: &'a ValuesRegistry, cwd: &'a Path) -> Self {
        ChartLocator {
            rendered,
            values,
            cwd,
            used: Default::default(),
        }
    }

    /// Display path and text of a file id.
    fn file(&self, id: u32) -> Option<(String, Arc<str>)> {
        if id >= RUN_VALUES_BASE {
            return self.values.get(id).cloned();
        }
        let f = self.rendered.sources.get(id)?;
        Some((display_path(Path::new(&f.path), self.cwd), f.text.clone()))
    }

    fn remember(&self, id: u32) -> Option<String> {
        let (path, text) = self.file(id)?;
        if let Ok(mut u) = self.used.lock() {
            u.entry(path.clone()).or_insert(text);
        }
        Some(path)
    }

    /// The location of a values origin.
    pub fn origin_location(&self, o: Origin) -> Option<Location> {
        if o.is_none() {
            return None;
        }
        Some(Location {
            file: self.remember(o.file)?,
            line: o.line,
            column: o.col,
        })
    }

    /// The `include` action that printed byte `offset` of the rendered template `name`, when
    /// a helper wrote it.
    pub fn include_location(&self, name: &str, offset: usize) -> Option<Location> {
        let rt = self.rendered.templates.get(name)?;
        let off = offset as u32;
        let i = rt.tpl.partition_point(|s| s.end <= off);
        let seg = rt.tpl.get(i).filter(|s| s.start <= off)?;
        let (tpl, line, col) = seg.via.as_ref()?;
        let id = *self.rendered.template_files.get(&**tpl)?;
        Some(Location {
            file: self.remember(id)?,
            line: *line,
            column: col + 1,
        })
    }

    /// The template file:line:col that wrote byte `offset` of the rendered template `name`.
    pub fn template_location(&self, name: &str, offset: usize) -> Option<Location> {
        let rt = self.rendered.templates.get(name)?;
        template_location_in(rt, offset, |tpl| {
            let id = *self.rendered.template_files.get(tpl)?;
            self.remember(id)
        })
    }
}

/// The template position that wrote byte `offset` of `rt` (`file_of` turns a template name into
/// a printed path).
pub fn template_location_in(
    rt: &RenderedTemplate,
    offset: usize,
    file_of: impl Fn(&str) -> Option<String>,
) -> Option<Location> {
    let (template, line, column) = rt.template_position(offset)?;
    Some(Location {
        file: file_of(template)?,
        line,
        column,
    })
}

/// The values segment that set the node (or the `focus` bytes of its scalar value): for a
/// scalar, the segment covering the focus, else the first segment inside the node; for a
/// collection, only a segment covering it whole (a map printed by `toYaml` of one value).
pub fn values_seg(
    rt: &RenderedTemplate,
    node: &Node,
    focus: Option<(usize, usize)>,
) -> Option<Seg> {
    let (start, end) = (
        node.pos.offset as u32,
        node.end.offset.max(node.pos.offset) as u32,
    );
    let is_scalar = !matches!(node.kind, NodeKind::Seq(_) | NodeKind::Map(_));
    let overlapping = rt
        .segs
        .iter()
        .filter(|s| s.start < end.max(start + 1) && s.end > start && !s.origin.is_none());
    if !is_scalar {
        return overlapping
            .into_iter()
            .find(|s| s.start <= start && s.end >= end)
            .copied();
    }
    let segs: Vec<&Seg> = overlapping.collect();
    if let Some((a, b)) = focus_range(rt, node, focus) {
        let (a, b) = (a as u32, b as u32);
        // None: the focused part was template text, no values line set it.
        return segs.iter().find(|s| s.start < b && s.end > a).map(|s| **s);
    }
    segs.first().map(|s| **s)
}

/// The rendered bytes of a scalar's `focus` (a range of its value): at the same offset after a
/// quote for a quoted scalar without escapes before it, else the last occurrence.
pub fn focus_range(
    rt: &RenderedTemplate,
    node: &Node,
    focus: Option<(usize, usize)>,
) -> Option<(usize, usize)> {
    let (fs, fe) = focus?;
    let start = node.pos.offset;
    let end = node.end.offset.max(start);
    let text = rt.text.get(start..end).unwrap_or("");
    let part = node.as_str()?.get(fs..fe).filter(|p| !p.is_empty())?;
    let quoted = text.starts_with(['"', '\'']);
    let direct = usize::from(quoted) + fs;
    let at = if text.get(direct..direct + part.len()) == Some(part) {
        Some(direct)
    } else {
        text.rfind(part)
    }?;
    Some((start + at, start + at + part.len()))
}

impl Locator for ChartLocator<'_> {
    fn locate(
        &self,
        resource: &Resource<'_>,
        node: &Node,
        focus: Option<(usize, usize)>,
    ) -> (Location, Vec<(String, Location)>) {
        let rendered_loc = Location {
            file: resource.file.to_string(),
            line: node.pos.line,
            column: node.pos.col,
        };
        let Some(rt) = self.rendered.templates.get(resource.file) else {
            return (rendered_loc, Vec::new());
        };
        // The template that wrote the focused part (a helper's registry in a built image).
        let at = focus_range(rt, node, focus).map_or(node.pos.offset, |(a, _)| a);
        let template = self.template_location(resource.file, at);
        let value = values_seg(rt, node, focus).and_then(|s| self.origin_location(s.origin));
        let mut related = Vec::new();
        let include = self.include_location(resource.file, at);
        let primary = match (value, template) {
            (Some(v), Some(t)) => {
                related.push(("template".to_string(), t));
                v
            }
            (None, Some(t)) if include.is_some() => {
                related.extend(include.clone().map(|i| ("include".to_string(), i)));
                t
            }
            (Some(v), None) => v,
            (None, Some(t)) => t,
            (None, None) => return (rendered_loc, Vec::new()),
        };
        if let Some(i) = include
            && !related.iter().any(|(k, _)| k == "include")
        {
            related.push(("include".to_string(), i));
        }
        related.push(("rendered".to_string(), rendered_loc));
        (primary, related)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::template::TplSeg;

    fn origin(line: u32, col: u32) -> Origin {
        Origin { file: 1, line, col }
    }

    /// `spec:\n  replicas: 3\n  image: "repo:latest"\n` where `3` came from values line 1, and
    /// `repo` and `latest` from values lines 2 and 3; the template wrote line 1-2 as literal text
    /// starting at 4:0 and the image as an action at 9:11.
    fn rendered() -> RenderedTemplate {
        let text = "spec:\n  replicas: 3\n  image: \"repo:latest\"\n".to_string();
        let at = |s: &str| text.find(s).unwrap() as u32;
        let tpl = |start: u32, end: u32, line: u32, col: u32, literal: bool| TplSeg {
            start,
            end,
            template: "c/templates/d.yaml".into(),
            line,
            col,
            literal,
            via: None,
        };
        RenderedTemplate {
            segs: vec![
                Seg {
                    start: at("3"),
                    end: at("3") + 1,
                    origin: origin(1, 11),
                },
                Seg {
                    start: at("repo"),
                    end: at("repo") + 4,
                    origin: origin(2, 9),
                },
                Seg {
                    start: at("latest"),
                    end: at("latest") + 6,
                    origin: origin(3, 8),
                },
            ],
            tpl: vec![
                tpl(0, at("3"), 4, 0, true),
                tpl(at("3"), at("3") + 1, 5, 12, false),
                tpl(at("3") + 1, at("\"repo"), 5, 14, true),
                tpl(at("\"repo"), text.len() as u32, 9, 11, false),
            ],
            text,
        }
    }

    #[test]
    fn template_lines_of_literal_text_and_actions() {
        let rt = rendered();
        let file = |t: &str| Some(t.to_string());
        let loc = |off: usize| {
            let l = template_location_in(&rt, off, file).unwrap();
            (l.line, l.column)
        };
        // `replicas` is on the second line of the literal text that starts at 4:0.
        assert_eq!(loc(rt.text.find("replicas").unwrap()), (5, 3));
        assert_eq!(loc(0), (4, 1));
        // Bytes written by an action are at the action.
        assert_eq!(loc(rt.text.find("3").unwrap()), (5, 13));
        assert_eq!(loc(rt.text.find("latest").unwrap()), (9, 12));
    }

    #[test]
    fn values_segment_of_a_node_and_its_focus() {
        let rt = rendered();
        let docs = crate::yaml::parse_stream(&rt.text, &Default::default()).unwrap();
        let spec = docs[0].root.get("spec").unwrap();
        let replicas = spec.get("replicas").unwrap();
        assert_eq!(
            values_seg(&rt, replicas, None).unwrap().origin,
            origin(1, 11)
        );
        let image = spec.get("image").unwrap();
        // Without a focus the first value inside the scalar; with one, the part it names.
        assert_eq!(values_seg(&rt, image, None).unwrap().origin, origin(2, 9));
        assert_eq!(
            values_seg(&rt, image, Some((5, 11))).unwrap().origin,
            origin(3, 8)
        );
        // A collection takes a value only when one covers it whole.
        assert!(values_seg(&rt, spec, None).is_none());
    }
}

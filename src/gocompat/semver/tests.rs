//! Tables of Masterminds/semver's own tests (constraints_test.go `TestConstraintsCheck` and
//! `TestNewConstraint`, version_test.go `TestNewVersion` and `TestStrictNewVersion`), then the
//! cases where chartgate's earlier copies (a hand-written one and the `semver` crate) differed.
use super::*;

#[test]
fn constraints_check_table() {
    let table: &[(&str, &str, bool)] = &[
        ("*", "1.2.3", true),
        ("~0.0.0", "1.2.3", true),
        ("0.x.x", "1.2.3", false),
        ("0.0.x", "1.2.3", false),
        ("0.0.0", "1.2.3", false),
        ("*", "1.2.3", true),
        ("^0.0.0", "1.2.3", false),
        ("= 2.0", "1.2.3", false),
        ("= 2.0", "2.0.0", true),
        ("4.1", "4.1.0", true),
        ("4.1.x", "4.1.3", true),
        ("1.x", "1.4", true),
        ("!=4.1", "4.1.0", false),
        ("!=4.1-alpha", "4.1.0-alpha", false),
        ("!=4.1-alpha", "4.1.1-alpha", false),
        ("!=4.1-alpha", "4.1.0", true),
        ("!=4.1", "5.1.0", true),
        ("!=4.x", "5.1.0", true),
        ("!=4.x", "4.1.0", false),
        ("!=4.1.x", "4.2.0", true),
        ("!=4.2.x", "4.2.3", false),
        (">1.1", "4.1.0", true),
        (">1.1", "1.1.0", false),
        ("<1.1", "0.1.0", true),
        ("<1.1", "1.1.0", false),
        ("<1.1", "1.1.1", false),
        ("<1.x", "1.1.1", false),
        ("<1.x", "0.1.1", true),
        ("<1.x", "2.0.0", false),
        ("<1.1.x", "1.2.1", false),
        ("<1.1.x", "1.1.500", false),
        ("<1.1.x", "1.0.500", true),
        ("<1.2.x", "1.1.1", true),
        (">=1.1", "4.1.0", true),
        (">=1.1", "4.1.0-beta", false),
        (">=1.1", "1.1.0", true),
        (">=1.1", "0.0.9", false),
        ("<=1.1", "0.1.0", true),
        ("<=1.1", "0.1.0-alpha", false),
        ("<=1.1-a", "0.1.0-alpha", true),
        ("<=1.1", "1.1.0", true),
        ("<=1.x", "1.1.0", true),
        ("<=2.x", "3.0.0", false),
        ("<=1.1", "1.1.1", true),
        ("<=1.1.x", "1.2.500", false),
        ("<=4.5", "3.4.0", true),
        ("<=4.5", "3.7.0", true),
        ("<=4.5", "4.6.3", false),
        (">1.1, <2", "1.1.1", false),
        (">1.1, <2", "1.2.1", true),
        (">1.1, <3", "4.3.2", false),
        (">=1.1, <2, !=1.2.3", "1.2.3", false),
        (">1.1 <2", "1.1.1", false),
        (">1.1 <2", "1.2.1", true),
        (">1.1    <3", "4.3.2", false),
        (">=1.1    <2    !=1.2.3", "1.2.3", false),
        (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
        (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false),
        (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true),
        (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
        (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
        (">=1.1 <2 !=1.2.3", "1.2.3", false),
        (">=1.1 <2 !=1.2.3 || > 3", "4.1.2", true),
        (">=1.1 <2 !=1.2.3 || > 3", "3.1.2", false),
        (">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", true),
        (">=1.1 <2 !=1.2.3 || > 3", "3.0.0", false),
        (">=1.1 <2 !=1.2.3 || > 3", "1.2.3", false),
        ("> 1.1, <     2", "1.1.1", false),
        (">   1.1, <2", "1.2.1", true),
        (">1.1, <  3", "4.3.2", false),
        (">= 1.1, <     2, !=1.2.3", "1.2.3", false),
        ("> 1.1 < 2", "1.1.1", false),
        (">1.1 < 2", "1.2.1", true),
        ("> 1.1    <3", "4.3.2", false),
        (">=1.1    < 2    != 1.2.3", "1.2.3", false),
        (">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
        (">= 1.1, <2, != 1.2.3 || > 3", "3.1.2", false),
        (">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", true),
        (">= 1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
        (">= 1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
        (">= 1.1 <2 != 1.2.3", "1.2.3", false),
        (">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", true),
        (">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", false),
        (">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", true),
        (">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", false),
        (">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", false),
        (">= 1.0.0  <= 2.0.0-beta", "1.0.1-beta", true),
        (">= 1.0.0  <= 2.0.0-beta", "1.0.1", true),
        (">= 1.0.0  <= 2.0.0-beta", "3.0.0", false),
        (">= 1.0.0  <= 2.0.0-beta || > 3", "1.0.1-beta", true),
        (">= 1.0.0  <= 2.0.0-beta || > 3", "3.0.1-beta", false),
        (
            ">= 1.0.0  <= 2.0.0-beta != 1.0.1 || > 3",
            "1.0.1-beta",
            true,
        ),
        (
            ">= 1.0.0  <= 2.0.0-beta != 1.0.1-beta || > 3",
            "1.0.1-beta",
            false,
        ),
        (">= 1.0.0-0  <= 2.0.0", "1.0.1-beta", true),
        ("1.1 - 2", "1.1.1", true),
        ("1.5.0 - 4.5", "3.7.0", true),
        ("1.1-3", "4.3.2", false),
        ("^1.1", "1.1.1", true),
        ("^1.1", "4.3.2", false),
        ("^1.x", "1.1.1", true),
        ("^2.x", "1.1.1", false),
        ("^1.x", "2.1.1", false),
        ("^1.x", "1.1.1-beta1", false),
        ("^1.1.2-alpha", "1.2.1-beta1", true),
        ("^1.2.x-alpha", "1.1.1-beta1", false),
        ("^0.0.1", "0.0.1", true),
        ("^0.0.1", "0.3.1", false),
        ("~*", "2.1.1", true),
        ("~1", "2.1.1", false),
        ("~1", "1.3.5", true),
        ("~1", "1.4", true),
        ("~1.x", "2.1.1", false),
        ("~1.x", "1.3.5", true),
        ("~1.x", "1.4", true),
        ("~1.1", "1.1.1", true),
        ("~1.1", "1.1.1-alpha", false),
        ("~1.1-alpha", "1.1.1-beta", true),
        ("~1.1.1-beta", "1.1.1-alpha", false),
        ("~1.1.1-beta", "1.1.1", true),
        ("~1.2.3", "1.2.5", true),
        ("~1.2.3", "1.2.2", false),
        ("~1.2.3", "1.3.2", false),
        ("~1.1", "1.2.3", false),
        ("~1.3", "2.4.5", false),
        ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", true),
        ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true),
    ];
    let mut wrong = Vec::new();
    for (c, v, want) in table {
        let cs = Constraints::parse(c).unwrap_or_else(|e| panic!("{c}: {e}"));
        let ver = Version::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        if cs.check(&ver) != *want {
            wrong.push(format!("{c} with {v}: want {want}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn new_constraint_table() {
    // (input, ORs, constraints in the first group); None: an error.
    let table: &[(&str, Option<(usize, usize)>)] = &[
        (">= 1.1", Some((1, 1))),
        (">40.50.60, < 50.70", Some((1, 2))),
        ("2.0", Some((1, 1))),
        ("v2.3.5-20161202202307-sha.e8fc5e5", Some((1, 1))),
        ("v1.2.3-0abc", Some((1, 1))),
        ("v1.2.3-beta.01", None),
        (">= bar", None),
        ("BAR >= 1.2.3", None),
        (">= 1.2.3 < 2.0", Some((1, 2))),
        (">= 1.2.3 < 2.0 || => 3.0 < 4", Some((2, 2))),
        (">= 1.2.3, < 2.0", Some((1, 2))),
        (">= 1.2.3, < 2.0 || => 3.0, < 4", Some((2, 2))),
        ("3 - 4 || => 3.0, < 4", Some((2, 2))),
        ("12.3.4.1234", None),
        ("12.23.4.1234", None),
        ("12.3.34.1234", None),
        ("12.3.34 ~1.2.3", Some((1, 2))),
        ("12.3.34~ 1.2.3", None),
        ("1.0.0 - 2.0.0, <=2.0.0", Some((1, 3))),
    ];
    for (input, want) in table {
        let got = Constraints::parse(input)
            .ok()
            .map(|c| (c.groups.len(), c.groups[0].len()));
        assert_eq!(got, *want, "{input}");
    }
}

#[test]
fn new_version_table() {
    // (input, error expected)
    let table: &[(&str, bool)] = &[
        ("1.2.3", false),
        ("1.2.3-alpha.01", true),
        ("1.2.3+test.01", false),
        ("1.2.3-alpha.-1", false),
        ("v1.2.3", false),
        ("1.0", false),
        ("v1.0", false),
        ("1", false),
        ("v1", false),
        ("1.2.beta", true),
        ("v1.2.beta", true),
        ("foo", true),
        ("1.2-5", false),
        ("v1.2-5", false),
        ("1.2-beta.5", false),
        ("v1.2-beta.5", false),
        ("\n1.2", true),
        ("\nv1.2", true),
        ("1.2.0-x.Y.0+metadata", false),
        ("v1.2.0-x.Y.0+metadata", false),
        ("1.2.0-x.Y.0+metadata-width-hypen", false),
        ("v1.2.0-x.Y.0+metadata-width-hypen", false),
        ("1.2.3-rc1-with-hypen", false),
        ("v1.2.3-rc1-with-hypen", false),
        ("1.2.3-0abc123", false),
        ("1.2.3-beta.01", true),
        ("1.2.3.4", true),
        ("v1.2.3.4", true),
        ("1.2.2147483648", false),
        ("1.2147483648.3", false),
        ("2147483648.3.0", false),
        ("12.3.4.1234", true),
        ("12.23.4.1234", true),
        ("12.3.34.1234", true),
        ("20221209-update-renovatejson-v4", false),
        ("1.1.2+.123", true),
        ("1.0.0-alpha_beta", true),
        ("1.0.0-alpha..", true),
        ("1.0.0-alpha..1", true),
        ("9.8.7+meta+meta", true),
        ("1.2.31----RC-SNAPSHOT.12.09.1--.12+788", true),
    ];
    for (v, err) in table {
        assert_eq!(Version::parse(v).is_err(), *err, "NewVersion({v:?})");
    }
}

#[test]
fn strict_new_version_table() {
    let table: &[(&str, bool)] = &[
        ("1.2.3", false),
        ("1.2.3-alpha.01", true),
        ("1.2.3+test.01", false),
        ("1.2.3-alpha.-1", false),
        ("v1.2.3", true),
        ("1.0", true),
        ("v1.0", true),
        ("1", true),
        ("v1", true),
        ("1.2", true),
        ("1.2.beta", true),
        ("v1.2.beta", true),
        ("foo", true),
        ("1.2-5", true),
        ("v1.2-5", true),
        ("1.2-beta.5", true),
        ("v1.2-beta.5", true),
        ("\n1.2", true),
        ("\nv1.2", true),
        ("1.2.0-x.Y.0+metadata", false),
        ("v1.2.0-x.Y.0+metadata", true),
        ("1.2.0-x.Y.0+metadata-width-hypen", false),
        ("v1.2.0-x.Y.0+metadata-width-hypen", true),
        ("1.2.3-rc1-with-hypen", false),
        ("1.2.3-0abc123", false),
        ("1.2.3-beta.01", true),
        ("v1.2.3-rc1-with-hypen", true),
        ("1.2.3.4", true),
        ("v1.2.3.4", true),
        ("1.2.2147483648", false),
        ("1.2147483648.3", false),
        ("2147483648.3.0", false),
        ("20221209-update-renovatejson-v4", true),
        ("1.1.2+.123", true),
        ("1.0.0-alpha_beta", true),
        ("1.0.0-alpha..", true),
        ("1.0.0-alpha..1", true),
        ("01.1.1", true),
        ("1.01.1", true),
        ("1.1.01", true),
        ("9.8.7+meta+meta", true),
        ("1.2.31----RC-SNAPSHOT.12.09.1--.12+788", true),
        ("1.2.3-0123", true),
        ("1.2.3-0123.0123", true),
        ("+invalid", true),
        ("-invalid", true),
        ("-invalid.01", true),
        ("alpha+beta", true),
        ("1.2.3-alpha_beta+foo", true),
        ("1.0.0-alpha..1", true),
    ];
    for (v, err) in table {
        assert_eq!(
            Version::parse_strict(v).is_err(),
            *err,
            "StrictNewVersion({v:?})"
        );
    }
}

/// Where the hand-written copy (Sprig's `semverCompare`, `kubeVersion`) was wrong; each result
/// checked against Helm v4.2.3 (`semverCompare` through helm-python-sdk).
#[test]
fn fixes_of_the_hand_written_copy() {
    let check = |c: &str, v: &str| {
        Constraints::parse(c)
            .unwrap()
            .check(&Version::parse(v).unwrap())
    };
    // A pre-release in one constraint of a group admits pre-releases for the whole group (the
    // old copy asked each constraint).
    assert!(check(">=1.0.0-alpha, <2.0.0", "1.5.0-beta"));
    // `!=` also turns pre-releases away when the group has none.
    assert!(!check("!=1.2.3", "1.2.4-beta"));
    // Constraints must be separated: a trailing comma or two glued constraints are errors.
    let err = |c: &str| Constraints::parse(c).err().unwrap();
    assert_eq!(err(">1.0,"), r#"improper constraint: ">1.0,""#);
    assert_eq!(err(">1<2"), r#"improper constraint: ">1<2""#);
    assert_eq!(err(">1.0,,<2"), r#"improper constraint: ">1.0,,<2""#);
    assert_eq!(err("foo"), r#"improper constraint: "foo""#);
    assert_eq!(err(""), r#"improper constraint: """#);
    // Version errors as Helm prints them.
    assert_eq!(
        Version::parse("bad").unwrap_err(),
        "invalid semantic version"
    );
    assert_eq!(
        Version::parse(" 1.2.3").unwrap_err(),
        "invalid semantic version"
    );
    assert_eq!(
        Version::parse("1.2.3-01").unwrap_err(),
        "version segment starts with 0"
    );
    assert_eq!(Version::parse("01.2.3").unwrap().canonical(), "1.2.3");
}

/// Where the `semver` crate (dependency versions, Argo CD chart versions) differed from Helm's
/// `IsCompatibleRange`.
#[test]
fn fixes_of_the_semver_crate_copy() {
    // Hyphen ranges are Masterminds syntax; the crate could not parse them.
    assert!(is_compatible_range("1.2.3 - 1.4.0", "1.3.0"));
    assert!(!is_compatible_range("1.2.3 - 1.4.0", "1.5.0"));
    // The crate admitted a pre-release only at the comparator's own MAJOR.MINOR.PATCH.
    assert!(is_compatible_range(">=1.0.0-0", "1.5.0-rc.1"));
    // Helm reads the version as is: no trimming of spaces.
    assert!(!is_compatible_range("~1.2", " 1.2.9"));
    // Unchanged cases of the old copy's test.
    assert!(is_compatible_range("2.x.x", "2.31.10"));
    assert!(is_compatible_range("~1.2", "1.2.9"));
    assert!(is_compatible_range(">= 1.0.0, < 2.0.0", "1.5.0"));
    assert!(is_compatible_range("1.0.0 || 2.0.0", "2.0.0"));
    assert!(!is_compatible_range("2.x.x", "3.0.0"));
    assert!(is_compatible_range("*", "v0.0.0"));
    assert!(!is_compatible_range("", "1.0.0"));
}

#[test]
fn versions_print_and_increment_like_masterminds() {
    let v = Version::parse("v1.2.3-rc.1+b5").unwrap();
    assert_eq!(v.canonical(), "1.2.3-rc.1+b5");
    assert_eq!(v.inc_patch().original, "v1.2.3");
    assert_eq!(v.inc_minor().original, "v1.3.0");
    assert_eq!(v.inc_major().canonical(), "2.0.0");
    assert_eq!(
        Version::parse("1.2.3").unwrap().inc_patch().original,
        "1.2.4"
    );
    let (a, b) = (
        Version::parse("1.3.0").unwrap(),
        Version::parse("1.3.0-rc.1").unwrap(),
    );
    assert_eq!(a.compare(&b), Ordering::Greater);
    assert_eq!(
        Version::parse("1.0.0-alpha")
            .unwrap()
            .compare(&Version::parse("1.0.0-alpha.1").unwrap()),
        Ordering::Less
    );
    assert_eq!(
        Version::parse("1.0.0-2")
            .unwrap()
            .compare(&Version::parse("1.0.0-10").unwrap()),
        Ordering::Less
    );
}

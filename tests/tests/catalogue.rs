//! A catalogue of bad inputs, run against the real `kitchen-sink` binary.
//!
//! Each row of [`catalogue`] is one command with its exact exit code and a piece of the one
//! `error:` line it must print. For every row the test also checks that nothing was
//! written: no executor output, no temporary file left beside it, no file changed in the
//! row's directory (which is also the working directory of the process).
//!
//! Cases at the end pin fixes of bugs this catalogue found.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");

/// Placeholder for the row's directory in arguments and inputs.
const DIR: &str = "@DIR@";
/// Placeholder for the executor output path, `@DIR@/out/executor_output.json`.
const OUT: &str = "@OUT@";
/// Longest `error:` line accepted from any row.
const MAX_MESSAGE_BYTES: usize = 4096;
/// Size of the huge inputs: 30 MiB.
const HUGE: usize = 30 << 20;
/// Nesting depth of the deep inputs.
const DEPTH: usize = 100_000;
/// Linux's `E2BIG`, "Argument list too long".
const E2BIG: i32 = 7;

/// One bad input and the exit code and message the binary must return.
struct Row {
    name: String,
    args: Vec<Vec<u8>>,
    /// Written to `@DIR@/input.json` before the run.
    input_file: Option<Vec<u8>>,
    stdin: Option<Vec<u8>>,
    code: i32,
    /// Pieces the `error:` line must contain, separated by `…`.
    message: String,
    /// clap's usage errors add a usage paragraph and a `--help` hint after the `error:` line.
    usage: bool,
    /// The failure comes after the parent directories of some output artifacts were made.
    makes_dirs: bool,
}

impl Row {
    fn new(name: &str, args: &[&[u8]], code: i32, message: &str) -> Self {
        Self {
            name: name.to_owned(),
            args: args.iter().map(|arg| arg.to_vec()).collect(),
            input_file: None,
            stdin: None,
            code,
            message: message.to_owned(),
            usage: false,
            makes_dirs: false,
        }
    }

    fn usage(mut self) -> Self {
        self.usage = true;
        self
    }

    fn makes_dirs(mut self) -> Self {
        self.makes_dirs = true;
        self
    }
}

/// `exec COMPONENT --executor-input INPUT`.
fn exec(name: &str, component: &str, input: impl AsRef<[u8]>, code: i32, message: &str) -> Row {
    let args: [&[u8]; 4] = [
        b"exec",
        component.as_bytes(),
        b"--executor-input",
        input.as_ref(),
    ];
    Row::new(name, &args, code, message)
}

/// `exec COMPONENT --executor-input-file @DIR@/input.json`.
fn exec_file(name: &str, component: &str, input: Vec<u8>, code: i32, message: &str) -> Row {
    let args: [&[u8]; 4] = [
        b"exec",
        component.as_bytes(),
        b"--executor-input-file",
        b"@DIR@/input.json",
    ];
    let mut row = Row::new(name, &args, code, message);
    row.input_file = Some(input);
    row
}

/// `exec COMPONENT --executor-input-file -` with INPUT on standard input.
fn exec_stdin(name: &str, component: &str, input: Vec<u8>, code: i32, message: &str) -> Row {
    let args: [&[u8]; 4] = [
        b"exec",
        component.as_bytes(),
        b"--executor-input-file",
        b"-",
    ];
    let mut row = Row::new(name, &args, code, message);
    row.stdin = Some(input);
    row
}

/// `run every-type --root @DIR@/root --param PARAM`: exit 2 before anything is created.
fn param(name: &str, param: &[u8], message: &str) -> Row {
    let args: [&[u8]; 6] = [
        b"run",
        b"every-type",
        b"--root",
        b"@DIR@/root",
        b"--param",
        param,
    ];
    Row::new(name, &args, 2, message)
}

/// Builds an executor input for `add` whose `a` is the JSON text `value`.
fn add_input(value: &str) -> String {
    format!(
        r#"{{"inputs": {{"parameterValues": {{"a": {value}}}}}, "outputs": {{"outputFile": "{OUT}"}}}}"#
    )
}

/// Builds an executor input whose `outputs` is the JSON text `outputs`.
fn with_outputs(outputs: &str) -> String {
    format!(r#"{{"inputs": {{"parameterValues": {{"a": 1}}}}, "outputs": {outputs}}}"#)
}

/// Builds an executor input whose `inputs` is the JSON text `inputs`.
fn with_inputs(inputs: &str) -> String {
    format!(r#"{{"inputs": {inputs}, "outputs": {{"outputFile": "{OUT}"}}}}"#)
}

/// `exec integers` with one input set to the JSON text `value`.
fn integer(input: &str, value: &str, code: i32, message: &str) -> Row {
    let json = with_inputs(&format!(r#"{{"parameterValues": {{"{input}": {value}}}}}"#));
    exec(
        &format!("{input} = {value}"),
        "integers",
        json,
        code,
        message,
    )
}

/// Valid `echo` parameters as JSON text, one per input.
fn echo_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("text", r#""t""#),
        ("small", "1"),
        ("big", "2"),
        ("signed", "-3"),
        ("ratio", "0.5"),
        ("single", "0.25"),
        ("flag", "true"),
        ("items", "[1]"),
        ("names", r#"["n"]"#),
        ("scores", r#"{"s": 1.5}"#),
        ("counts", r#"{"c": 2}"#),
        ("raw", r#"{"r": null}"#),
        ("config", r#"{"depth": 1, "rate": 0.5, "tags": []}"#),
    ]
}

/// `exec echo` with valid inputs except `input`, which is the JSON text `value`.
fn echo(input: &str, value: &str, message: &str) -> Row {
    let fields: Vec<String> = echo_fields()
        .into_iter()
        .map(|(name, valid)| {
            let text = if name == input { value } else { valid };
            format!(r#""{name}": {text}"#)
        })
        .collect();
    let json = with_inputs(&format!(
        r#"{{"parameterValues": {{{}}}}}"#,
        fields.join(", ")
    ));
    exec(&format!("echo {input} = {value}"), "echo", json, 4, message)
}

/// Builds one runtime artifact as JSON text.
fn artifact(uri: &str) -> String {
    format!(
        r#"{{"name": "a", "type": {{"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"}}, "uri": "{uri}", "metadata": {{}}}}"#
    )
}

/// Builds the eight output artifacts of `artifacts` under `@DIR@/out`, with `changes` replacing the
/// JSON text of some of their artifact lists.
fn artifact_outputs(changes: &[(&str, &str)]) -> String {
    let names = [
        "copy",
        "model",
        "metrics",
        "classes",
        "sliced",
        "page",
        "card",
        "registered",
    ];
    let lists: Vec<String> = names
        .iter()
        .map(|name| {
            let list = changes
                .iter()
                .find(|(changed, _)| changed == name)
                .map_or_else(
                    || {
                        format!(
                            r#"{{"artifacts": [{}]}}"#,
                            artifact(&format!("{DIR}/out/{name}"))
                        )
                    },
                    |(_, text)| (*text).to_owned(),
                );
            format!(r#""{name}": {list}"#)
        })
        .collect();
    format!(
        r#"{{"artifacts": {{{}}}, "outputFile": "{OUT}"}}"#,
        lists.join(", ")
    )
}

/// `exec artifacts` with the input artifact lists `inputs` (JSON text by name, `table` and
/// `shards` valid unless given) and the output artifacts changed by `outputs`.
fn artifacts(
    name: &str,
    inputs: &[(&str, &str)],
    parameters: &str,
    outputs: &[(&str, &str)],
    code: i32,
    message: &str,
) -> Row {
    let valid = format!(r#"{{"artifacts": [{}]}}"#, artifact("@DIR@/table.csv"));
    let mut lists: BTreeMap<&str, String> = BTreeMap::new();
    lists.insert("table", valid.clone());
    lists.insert("shards", valid);
    for (input, text) in inputs {
        if text.is_empty() {
            lists.remove(input);
        } else {
            lists.insert(input, (*text).to_owned());
        }
    }
    let lists: Vec<String> = lists
        .iter()
        .map(|(input, text)| format!(r#""{input}": {text}"#))
        .collect();
    let json = format!(
        r#"{{"inputs": {{"artifacts": {{{}}}, "parameterValues": {parameters}}}, "outputs": {}}}"#,
        lists.join(", "),
        artifact_outputs(outputs)
    );
    exec(name, "artifacts", json, code, message)
}

/// Checks whether the tests run as root, where permission bits do not stop writes.
fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("`id -u` runs");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// `text` nested `depth` levels deep in JSON arrays.
fn nested_arrays(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

/// `text` nested `depth` levels deep in JSON objects.
fn nested_objects(depth: usize) -> String {
    format!("{}1{}", r#"{"k": "#.repeat(depth), "}".repeat(depth))
}

fn catalogue() -> Vec<Row> {
    let mut rows = Vec::new();

    // Truncated and invalid JSON: exit 3, before the component runs.
    let truncated = with_outputs(&format!(r#"{{"outputFile": "{OUT}""#));
    rows.extend([
        exec(
            "empty input",
            "add",
            "",
            3,
            "invalid executor input: EOF while parsing a value at line 1 column 0",
        ),
        exec(
            "blank input",
            "add",
            " \n\t",
            3,
            "invalid executor input: EOF while parsing a value",
        ),
        exec(
            "truncated object",
            "add",
            &truncated,
            3,
            "EOF while parsing an object",
        ),
        exec(
            "truncated string",
            "add",
            r#"{"outputs": {"outputFile": "/tm"#,
            3,
            "EOF while parsing a string",
        ),
        exec(
            "truncated number",
            "add",
            r#"{"inputs": {"parameterValues": {"a": 1"#,
            3,
            "EOF while parsing an object",
        ),
        exec(
            "truncated escape",
            "add",
            r#"{"outputs": {"outputFile": "\u00"#,
            3,
            "EOF while parsing a string",
        ),
        exec(
            "trailing comma",
            "add",
            format!(r#"{{"outputs": {{"outputFile": "{OUT}",}}}}"#),
            3,
            "trailing comma",
        ),
        exec(
            "single quotes",
            "add",
            r#"{'outputs': {}}"#,
            3,
            "key must be a string",
        ),
        exec(
            "comment",
            "add",
            format!(r#"{{"outputs": {{"outputFile": "{OUT}"}} // x}}"#),
            3,
            "expected",
        ),
        exec(
            "trailing characters",
            "add",
            add_input("1") + " x",
            3,
            "trailing characters at line 1",
        ),
        exec(
            "two documents",
            "add",
            add_input("1") + &add_input("2"),
            3,
            "trailing characters at line 1",
        ),
        exec(
            "top-level array",
            "add",
            format!("[{}]", add_input("1")),
            3,
            "expected a JSON object, got `[{\"inputs\": {\"parame`",
        ),
        exec(
            "top-level string",
            "add",
            r#""{}""#,
            3,
            "expected a JSON object, got `\"{}\"`",
        ),
        exec(
            "top-level null",
            "add",
            "null",
            3,
            "expected a JSON object, got `null`",
        ),
        exec(
            "byte order mark",
            "add",
            format!("\u{feff}{}", add_input("1")),
            3,
            "expected a JSON object",
        ),
        exec(
            "NaN token",
            "add",
            add_input("NaN"),
            3,
            "at `inputs.parameterValues.a`: expected value",
        ),
        exec(
            "Infinity token",
            "add",
            add_input("Infinity"),
            3,
            "at `inputs.parameterValues.a`: expected value",
        ),
        exec(
            "-Infinity token",
            "add",
            add_input("-Infinity"),
            3,
            "at `inputs.parameterValues.a`: invalid number",
        ),
        exec(
            "number overflows a double",
            "add",
            add_input("1e400"),
            3,
            "at `inputs.parameterValues.a`: number out of range",
        ),
        exec(
            "lone surrogate",
            "add",
            add_input(r#""\ud800""#),
            3,
            "at `inputs.parameterValues.a`",
        ),
        exec(
            "raw control character in a string",
            "add",
            add_input("\"a\nb\""),
            3,
            "control character (\\u0000-\\u001F) found while parsing a string",
        ),
        exec(
            "invalid escape",
            "add",
            add_input(r#""\q""#),
            3,
            "invalid escape",
        ),
        exec_file(
            "invalid UTF-8 in the input file",
            "add",
            b"{\"outputs\": {\"outputFile\": \"\xff\"}}".to_vec(),
            3,
            "cannot read `@DIR@/input.json`: stream did not contain valid UTF-8",
        ),
        exec_stdin(
            "invalid UTF-8 on standard input",
            "add",
            b"{\"inputs\": \"\xc3\x28\"}".to_vec(),
            3,
            "cannot read `-`: stream did not contain valid UTF-8",
        ),
        exec_stdin(
            "empty standard input",
            "add",
            Vec::new(),
            3,
            "EOF while parsing a value at line 1 column 0",
        ),
        exec_file(
            "input file is a directory",
            "add",
            Vec::new(),
            3,
            "invalid executor input",
        )
        .with_arg(3, b"@DIR@/dir", "cannot read `@DIR@/dir`: Is a directory"),
        exec_file(
            "input file missing",
            "add",
            Vec::new(),
            3,
            "invalid executor input",
        )
        .with_arg(
            3,
            b"@DIR@/missing.json",
            "cannot read `@DIR@/missing.json`: No such file or directory",
        ),
    ]);

    // A wrong JSON type at each position of the executor input: exit 3, with the path.
    // A runtime artifact with `field` set to the JSON text `value`.
    let runtime = |field: &str, value: &str| {
        let mut fields = vec![("name", r#""x""#), ("uri", r#""/x""#), ("metadata", "{}")];
        fields.retain(|(name, _)| *name != field);
        fields.push((field, value));
        let fields: Vec<String> = fields
            .iter()
            .map(|(name, text)| format!(r#""{name}": {text}"#))
            .collect();
        with_inputs(&format!(
            r#"{{"artifacts": {{"x": {{"artifacts": [{{{}}}]}}}}}}"#,
            fields.join(", ")
        ))
    };
    rows.extend([
        exec("inputs is a number", "add", with_inputs("5"), 3, "at `inputs`: invalid type: integer `5`, expected a JSON object"),
        exec("inputs is a string", "add", with_inputs(r#""a""#), 3, "at `inputs`: invalid type: string \"a\", expected a JSON object"),
        exec("parameterValues is a list", "add", with_inputs(r#"{"parameterValues": [1]}"#), 3, "at `inputs.parameterValues`: invalid type: sequence, expected a map"),
        exec("parameterValues is a string", "add", with_inputs(r#"{"parameterValues": "a=1"}"#), 3, "at `inputs.parameterValues`: invalid type: string \"a=1\", expected a map"),
        exec("artifacts is a list", "add", with_inputs(r#"{"artifacts": []}"#), 3, "at `inputs.artifacts`: invalid type: sequence, expected a map"),
        exec("artifact list is a number", "add", with_inputs(r#"{"artifacts": {"x": 5}}"#), 3, "at `inputs.artifacts.x`: invalid type: integer `5`, expected a JSON object"),
        exec("artifact list is null", "add", with_inputs(r#"{"artifacts": {"x": null}}"#), 3, "at `inputs.artifacts.x`: invalid type: null, expected a JSON object"),
        exec("artifacts[] is a map", "add", with_inputs(r#"{"artifacts": {"x": {"artifacts": {}}}}"#), 3, "at `inputs.artifacts.x.artifacts`: invalid type: map, expected a sequence"),
        exec("artifacts[0] is a string", "add", with_inputs(r#"{"artifacts": {"x": {"artifacts": ["/x"]}}}"#), 3, "at `inputs.artifacts.x.artifacts[0]`: invalid type: string \"/x\", expected a JSON object"),
        exec("artifacts[].uri is a number", "add", runtime("uri", "5"), 3, "at `inputs.artifacts.x.artifacts[0].uri`: invalid type: integer `5`, expected a string"),
        exec("artifacts[].uri is null", "add", runtime("uri", "null"), 3, "at `inputs.artifacts.x.artifacts[0].uri`: invalid type: null, expected a string"),
        exec("artifacts[].name is a list", "add", runtime("name", "[]"), 3, "at `inputs.artifacts.x.artifacts[0].name`: invalid type: sequence, expected a string"),
        exec("artifacts[].metadata is a list", "add", runtime("metadata", "[]"), 3, "at `inputs.artifacts.x.artifacts[0].metadata`: invalid type: sequence, expected a map"),
        exec("artifacts[].metadata is a string", "add", runtime("metadata", r#""{}""#), 3, "at `inputs.artifacts.x.artifacts[0].metadata`: invalid type: string \"{}\", expected a map"),
        exec("artifacts[].type is a string", "add", runtime("type", r#""system.Dataset""#), 3, "at `inputs.artifacts.x.artifacts[0].type`: invalid type: string \"system.Dataset\", expected a JSON object"),
        exec("artifacts[].type.schemaTitle is a number", "add", runtime("type", r#"{"schemaTitle": 1}"#), 3, "at `inputs.artifacts.x.artifacts[0].type.schemaTitle`: invalid type: integer `1`, expected a string"),
        exec("outputs is a number", "add", with_outputs("5"), 3, "at `outputs`: invalid type: integer `5`, expected a JSON object"),
        exec("outputs is null", "add", with_outputs("null"), 3, "at `outputs`: invalid type: null, expected a JSON object"),
        exec("outputs.artifacts is a number", "add", with_outputs(&format!(r#"{{"artifacts": 5, "outputFile": "{OUT}"}}"#)), 3, "at `outputs.artifacts`: invalid type: integer `5`, expected a map"),
        exec("outputs.artifacts[].uri is a list", "add", with_outputs(&format!(r#"{{"artifacts": {{"m": {{"artifacts": [{{"uri": []}}]}}}}, "outputFile": "{OUT}"}}"#)), 3, "at `outputs.artifacts.m.artifacts[0].uri`: invalid type: sequence, expected a string"),
        exec("outputs.parameters is a list", "add", with_outputs(&format!(r#"{{"parameters": [], "outputFile": "{OUT}"}}"#)), 3, "at `outputs.parameters`: invalid type: sequence, expected a map"),
        exec("outputs.parameters.p is a string", "add", with_outputs(&format!(r#"{{"parameters": {{"p": "/p"}}, "outputFile": "{OUT}"}}"#)), 3, "at `outputs.parameters.p`: invalid type: string \"/p\", expected a JSON object"),
        exec("outputs.parameters.p.outputFile is a number", "add", with_outputs(&format!(r#"{{"parameters": {{"p": {{"outputFile": 1}}}}, "outputFile": "{OUT}"}}"#)), 3, "at `outputs.parameters.p.outputFile`: invalid type: integer `1`, expected a string"),
        exec("outputFile is a number", "add", with_outputs(r#"{"outputFile": 5}"#), 3, "at `outputs.outputFile`: invalid type: integer `5`, expected a string"),
        exec("outputFile is null", "add", with_outputs(r#"{"outputFile": null}"#), 3, "at `outputs.outputFile`: invalid type: null, expected a string"),
        exec("outputFile is a list", "add", with_outputs(&format!(r#"{{"outputFile": ["{OUT}"]}}"#)), 3, "at `outputs.outputFile`: invalid type: sequence, expected a string"),
        exec("outputs missing", "add", r#"{"inputs": {"parameterValues": {"a": 1}}}"#, 3, "missing field `outputs`"),
        exec("outputs.outputFile missing", "add", with_outputs(r#"{"artifacts": {}}"#), 3, "at `outputs`: missing field `outputFile`"),
        exec("outputs.outputFile empty", "add", with_outputs(r#"{"outputFile": ""}"#), 3, "`outputs.outputFile` is empty"),
    ]);

    // Duplicate keys: an error where a struct field repeats, the last value in maps.
    rows.extend([
        exec(
            "duplicate outputs",
            "add",
            format!(
                r#"{{"outputs": {{"outputFile": "{OUT}"}}, "outputs": {{"outputFile": "{OUT}"}}}}"#
            ),
            3,
            "duplicate field `outputs`",
        ),
        exec(
            "outputFile twice, once snake_case",
            "add",
            with_outputs(&format!(
                r#"{{"outputFile": "{OUT}", "output_file": "{OUT}"}}"#
            )),
            3,
            "at `outputs`: duplicate field `outputFile`",
        ),
        exec(
            "parameterValues twice, once snake_case",
            "add",
            with_inputs(r#"{"parameterValues": {"a": 1}, "parameter_values": {"a": 2}}"#),
            3,
            "at `inputs`: duplicate field `parameterValues`",
        ),
        exec(
            "duplicate parameter, last one bad",
            "add",
            with_inputs(r#"{"parameterValues": {"a": 1, "a": "one"}}"#),
            4,
            "component `add`: input `a`: expected an integer, got \"one\"",
        ),
    ]);

    // Integers out of range for each integer type, and floats where an integer is due.
    rows.extend([
        integer("i8", "128", 4, "component `integers`: input `i8`: integer 128 is out of range for `i8` (-128 to 127)"),
        integer("i8", "-129", 4, "input `i8`: integer -129 is out of range for `i8` (-128 to 127)"),
        integer("i16", "32768", 4, "input `i16`: integer 32768 is out of range for `i16` (-32768 to 32767)"),
        integer("i16", "-32769.0", 4, "input `i16`: integer -32769 is out of range for `i16` (-32768 to 32767) (value: -32769.0)"),
        integer("i32", "2147483648", 4, "input `i32`: integer 2147483648 is out of range for `i32` (-2147483648 to 2147483647)"),
        integer("i32", "-2147483649", 4, "input `i32`: integer -2147483649 is out of range for `i32`"),
        integer("i64", "9223372036854775808", 4, "input `i64`: integer 9223372036854775808 is out of range for `i64` (-9223372036854775808 to 9223372036854775807)"),
        integer("isize", "18446744073709551615", 4, "input `isize`: integer 18446744073709551615 is out of range for `isize`"),
        integer("u8", "256", 4, "input `u8`: integer 256 is out of range for `u8` (0 to 255)"),
        integer("u8", "-1", 4, "input `u8`: integer -1 is out of range for `u8` (0 to 255)"),
        integer("u16", "65536", 4, "input `u16`: integer 65536 is out of range for `u16` (0 to 65535)"),
        integer("u32", "4294967296", 4, "input `u32`: integer 4294967296 is out of range for `u32` (0 to 4294967295)"),
        integer("u32", "-1e0", 4, "input `u32`: integer -1 is out of range for `u32` (0 to 4294967295)"),
        integer("u64", "-1", 4, "input `u64`: integer -1 is out of range for `u64` (0 to 18446744073709551615)"),
        integer("u128", "-1", 4, "input `u128`: integer -1 is out of range for `u128` (0 to 340282366920938463463374607431768211455)"),
        integer("usize", "-9223372036854775808", 4, "input `usize`: integer -9223372036854775808 is out of range for `usize`"),
        integer("u64", "1e19", 4, "input `u64`: integer 1e+19 is read as a double of ±2^52 or more, which cannot carry every integer or any fraction: write it with digits only, within the 64-bit range"),
        integer("i64", "9007199254740994.0", 4, "input `i64`: integer 9007199254740994.0 is read as a double of ±2^52 or more"),
        integer("i64", "-1e16", 4, "input `i64`: integer -1e+16 is read as a double of ±2^52 or more"),
        integer("i128", "1e300", 4, "input `i128`: integer 1e+300 is out of range for `i128`"),
        integer("u8", "2.5", 4, "input `u8`: expected an integer, got 2.5"),
        integer("u8", "1e-1", 4, "input `u8`: expected an integer, got 0.1"),
        integer("i32", "true", 4, "input `i32`: expected an integer, got true"),
        integer("i64", r#""1""#, 4, "input `i64`: expected an integer, got \"1\""),
        integer("u16", "[1]", 4, "input `u16`: expected an integer, got [1]"),
        integer("i8", r#"{"v": 1}"#, 4, "input `i8`: expected an integer, got {\"v\":1}"),
        echo("single", "3.5e38", "component `echo`: input `single`: number 3.5e+38 is out of range for `f32` (±3.4028235e38)"),
        echo("ratio", r#""0.5""#, "input `ratio`: expected a number, got \"0.5\""),
        echo("flag", r#""true""#, "input `flag`: expected a boolean, got \"true\""),
        echo("text", "1", "input `text`: expected a string, got 1"),
        echo("items", r#"{"0": 1}"#, "input `items`: expected a list, got {\"0\":1}"),
        echo("items", "[1, 9223372036854775808]", "input `items`: at `[1]`: integer 9223372036854775808 is out of range for `i64`"),
        echo("names", r#"["a", null]"#, "input `names`: at `[1]`: expected a string, got null"),
        echo("scores", "[]", "input `scores`: expected a JSON object, got []"),
        echo("counts", r#"{"c": -1}"#, "input `counts`: at `.c`: integer -1 is out of range for `u32` (0 to 4294967295)"),
        echo("raw", "[1]", "input `raw`: expected a JSON object, got [1]"),
        echo("config", r#"{"depth": 4294967296, "rate": 0.5, "tags": []}"#, "input `config`: at `.depth`: invalid value: integer `4294967296`, expected u32"),
        echo("config", r#"{"depth": 1, "rate": 0.5}"#, "input `config`: missing field `tags`"),
        echo("config", r#"{"depth": 1.5, "rate": 0.5, "tags": []}"#, "input `config`: at `.depth`: invalid type: floating point `1.5`, expected u32"),
    ]);

    // Deeply nested values (100,000 levels): serde_json stops at 128 levels, exit 3.
    rows.extend([
        exec_file("nested lists as a parameter, from a file", "add", add_input(&nested_arrays(DEPTH)).into_bytes(), 3, "at `inputs.parameterValues.a[0][0]"),
        exec_stdin("nested objects as a parameter, from stdin", "add", add_input(&nested_objects(DEPTH)).into_bytes(), 3, "recursion limit exceeded"),
        exec_file("nested lists in artifact metadata", "add", with_inputs(&format!(r#"{{"artifacts": {{"x": {{"artifacts": [{{"uri": "/x", "metadata": {{"m": {}}}}}]}}}}}}"#, nested_arrays(DEPTH))).into_bytes(), 3, "at `inputs.artifacts.x.artifacts[0].metadata.m[0]"),
        exec_stdin("nested lists as outputs", "add", with_outputs(&nested_arrays(DEPTH)).into_bytes(), 3, "at `outputs…invalid type: sequence, expected"),
        exec_file("128 levels within the executor input", "add", add_input(&nested_arrays(125)).into_bytes(), 3, "recursion limit exceeded"),
    ]);

    // Huge inputs (30 MiB) through a file and standard input; the message stays short.
    let huge_string = format!("\"{}\"", "x".repeat(HUGE));
    rows.extend([
        exec_file(
            "30 MiB string as an integer, from a file",
            "add",
            add_input(&huge_string).into_bytes(),
            4,
            "input `a`: expected an integer, got \"xxxxxxxxxx",
        ),
        exec_stdin(
            "30 MiB string as an integer, from stdin",
            "add",
            add_input(&huge_string).into_bytes(),
            4,
            &format!("... ({} bytes)", HUGE + 2),
        ),
        exec_file(
            "30 MiB of padding, then a missing input",
            "add",
            with_inputs(&format!(
                r#"{{"parameterValues": {{"pad": {huge_string}}}}}"#
            ))
            .into_bytes(),
            4,
            "input `a`: required input is missing",
        ),
        exec_stdin(
            "30 MiB list, truncated",
            "add",
            format!(
                r#"{{"inputs": {{"parameterValues": {{"a": [{}"#,
                "1,".repeat(HUGE / 2)
            )
            .into_bytes(),
            3,
            "EOF while parsing",
        ),
    ]);

    // Invalid UTF-8 in arguments: clap rejects it before anything runs, exit 2.
    let bad_input: &[u8] = b"{\"outputs\": {\"outputFile\": \"@OUT@\xff\"}}";
    rows.extend([
        Row::new(
            "invalid UTF-8 component name",
            &[b"exec", b"ad\xffd", b"--executor-input", b"{}"],
            2,
            "invalid UTF-8 was detected in one or more arguments",
        )
        .usage(),
        Row::new(
            "invalid UTF-8 executor input",
            &[b"exec", b"add", b"--executor-input", bad_input],
            2,
            "invalid UTF-8 was detected in one or more arguments",
        )
        .usage(),
        Row::new(
            "invalid UTF-8 pipeline name",
            &[b"run", b"\xc0\xafetc"],
            2,
            "invalid UTF-8 was detected in one or more arguments",
        )
        .usage(),
        param(
            "invalid UTF-8 string parameter",
            b"text=caf\xe9",
            "invalid UTF-8 was detected in one or more arguments",
        )
        .usage(),
        Row::new(
            "invalid UTF-8 input file name",
            &[
                b"exec",
                b"add",
                b"--executor-input-file",
                b"@DIR@/\xff.json",
            ],
            3,
            "invalid executor input: cannot read `@DIR@/\u{fffd}.json`: No such file or directory",
        ),
    ]);

    // Unknown components, pipelines and commands: exit 2.
    rows.extend([
        exec(
            "unknown component",
            "nope",
            add_input("1"),
            2,
            "unknown component `nope`; this binary has: add, artifacts, ",
        ),
        exec(
            "empty component name",
            "",
            add_input("1"),
            2,
            "unknown component ``",
        ),
        exec(
            "component name in another case",
            "ADD",
            add_input("1"),
            2,
            "unknown component `ADD`",
        ),
        exec(
            "Rust name instead of the KFP name",
            "add_one",
            add_input("1"),
            2,
            "unknown component `add_one`",
        ),
        exec(
            "pipeline name given to exec",
            "arithmetic",
            add_input("1"),
            2,
            "`arithmetic` is a pipeline, not a component; run it with `run arithmetic`",
        ),
        exec(
            "unknown component and invalid JSON",
            "nope",
            "{",
            2,
            "unknown component `nope`",
        ),
        Row::new(
            "unknown pipeline",
            &[b"run", b"nope", b"--root", b"@DIR@/root"],
            2,
            "unknown pipeline `nope`; this binary has: arithmetic",
        ),
        Row::new(
            "component name given to run",
            &[b"run", b"add", b"--root", b"@DIR@/root"],
            2,
            "unknown pipeline `add`",
        ),
        Row::new(
            "unknown subcommand",
            &[b"execute", b"add"],
            2,
            "unrecognized subcommand 'execute'",
        )
        .usage(),
        Row::new(
            "exec without an executor input",
            &[b"exec", b"add"],
            2,
            "the following required arguments were not provided",
        )
        .usage(),
        Row::new(
            "two executor inputs",
            &[
                b"exec",
                b"add",
                b"--executor-input",
                b"{}",
                b"--executor-input-file",
                b"-",
            ],
            2,
            "cannot be used with",
        )
        .usage(),
        Row::new(
            "executor input flag without a value",
            &[b"exec", b"add", b"--executor-input"],
            2,
            "a value is required for '--executor-input <EXECUTOR_INPUT>'",
        )
        .usage(),
    ]);

    // Output files that cannot be written: exit 7, and no temporary file left behind.
    let output_file = |path: &str| with_outputs(&format!(r#"{{"outputFile": "{path}"}}"#));
    let read_only = if is_root() {
        // Permission bits do not stop root, but a regular file used as a directory stops
        // everyone.
        exec(
            "read-only output directory (a regular file, as root)",
            "add",
            output_file("@DIR@/file/sub/o.json"),
            7,
            "cannot write the executor output to `@DIR@/file/sub/o.json`: `@DIR@/file` is not a directory",
        )
    } else {
        exec(
            "read-only output directory",
            "add",
            output_file("@DIR@/read-only/o.json"),
            7,
            "cannot write the executor output to `@DIR@/read-only/o.json`: Permission denied",
        )
    };
    rows.extend([
        exec(
            "output file is a directory",
            "add",
            output_file("@DIR@/dir"),
            7,
            "cannot write outputs: cannot write the executor output to `@DIR@/dir`: it is a directory",
        ),
        exec(
            "output file below a regular file",
            "add",
            output_file("@DIR@/file/o.json"),
            7,
            "cannot write the executor output to `@DIR@/file/o.json`: `@DIR@/file` is not a directory",
        ),
        read_only,
        exec(
            "output file name too long",
            "add",
            output_file(&format!("@DIR@/{}", "n".repeat(300))),
            7,
            "File name too long",
        ),
        exec(
            "output file with a NUL byte",
            "add",
            output_file(r"@DIR@/o\u0000.json"),
            7,
            "Invalid argument",
        ),
        exec(
            "output file is the root directory",
            "add",
            output_file("/"),
            7,
            "cannot write the executor output to `/`",
        ),
        artifacts(
            "output artifact below a regular file",
            &[],
            "{}",
            &[("copy", r#"{"artifacts": [{"uri": "@DIR@/file/copy"}]}"#)],
            7,
            "cannot write outputs: cannot create `@DIR@/file` for output `copy`: `@DIR@/file` is not a directory",
        ),
        artifacts(
            "output artifact with an unsupported scheme",
            &[],
            "{}",
            &[("model", r#"{"artifacts": [{"uri": "hdfs://cluster/m"}]}"#)],
            3,
            "output artifact `model`: unsupported URI scheme `hdfs://` in `hdfs://cluster/m`",
        )
        .makes_dirs(),
        artifacts(
            "output artifact with an empty URI",
            &[],
            "{}",
            &[("copy", r#"{"artifacts": [{"uri": ""}]}"#)],
            3,
            "output artifact `copy`: the artifact URI is empty",
        ),
        artifacts(
            "output artifact list empty",
            &[],
            "{}",
            &[("card", r#"{"artifacts": []}"#)],
            3,
            "`outputs.artifacts.card` is missing",
        )
        .makes_dirs(),
        artifacts(
            "output artifact list null",
            &[],
            "{}",
            &[("registered", r#"{"artifacts": null}"#)],
            3,
            "`outputs.artifacts.registered` is missing",
        )
        .makes_dirs(),
    ]);

    // Artifact lists where one artifact is expected, and the reverse: exit 4.
    let list = |uris: &[&str]| {
        let items: Vec<String> = uris.iter().map(|uri| artifact(uri)).collect();
        format!(r#"{{"artifacts": [{}]}}"#, items.join(", "))
    };
    rows.extend([
        artifacts(
            "single artifact given an empty list",
            &[("table", &list(&[]))],
            "{}",
            &[],
            4,
            "component `artifacts`: input `table`: required input is missing",
        ),
        artifacts(
            "single artifact given three",
            &[("table", &list(&["/a", "/b", "/c"]))],
            "{}",
            &[],
            4,
            "input `table`: expected exactly one artifact, got a list of 3",
        ),
        artifacts(
            "optional artifact given two",
            &[("extra", &list(&["/a", "/b"]))],
            "{}",
            &[],
            4,
            "input `extra`: expected exactly one artifact, got a list of 2",
        ),
        artifacts(
            "artifact list with a bad scheme",
            &[("shards", &list(&["/a", "ftp://h/b"]))],
            "{}",
            &[],
            4,
            "input `shards`: artifact [1]: unsupported URI scheme `ftp://` in `ftp://h/b`",
        ),
        artifacts(
            "artifact list with an empty URI",
            &[("shards", &list(&[""]))],
            "{}",
            &[],
            4,
            "input `shards`: artifact [0]: the artifact URI is empty",
        ),
        artifacts(
            "single artifact missing",
            &[("table", "")],
            "{}",
            &[],
            4,
            "input `table`: required input is missing",
        ),
        artifacts(
            "artifact list missing",
            &[("shards", "")],
            "{}",
            &[],
            4,
            "input `shards`: required input is missing",
        ),
        artifacts(
            "artifact given as a parameter",
            &[("table", "")],
            r#"{"table": "@DIR@/table.csv"}"#,
            &[],
            4,
            "input `table`: expected an artifact, got the parameter value",
        ),
        artifacts("bare artifact where a list belongs", &[("shards", &artifact("@DIR@/table.csv"))], "{}", &[], 3, "at `inputs.artifacts.shards.name`: unknown field `name`, expected `artifacts`"),
        artifacts("artifact URI leaving its bucket", &[("table", &list(&["gs://b/../../etc/passwd"]))], "{}", &[], 4, "input `table`: invalid artifact URI `gs://b/../../etc/passwd`: expected a bucket and a path without `..`"),
        artifacts("artifact URI without a bucket", &[("table", &list(&["s3://"]))], "{}", &[], 4, "input `table`: invalid artifact URI `s3://`"),
        artifacts("output artifact URI leaving its bucket", &[], "{}", &[("copy", r#"{"artifacts": [{"uri": "minio://b/x/../../y"}]}"#)], 3, "output artifact `copy`: invalid artifact URI `minio://b/x/../../y`"),
        exec(
            "parameter given as an artifact",
            "add",
            with_inputs(&format!(r#"{{"artifacts": {{"a": {}}}}}"#, list(&["/a"]))),
            4,
            "component `add`: input `a`: expected a parameter value, got an artifact",
        ),
    ]);

    // Pipeline parameters: `BIN run` checks each value against its IR type, exit 2, and
    // creates nothing.
    rows.extend([
        param("integer with a fraction", b"small=1.5", "invalid --param `small`: `1.5`: expected an integer, got 1.5"),
        param("integer as a string", b"signed=\"3\"", "expected an integer, got \"3\""),
        param("integer empty", b"big=", "invalid --param `big`: `` is not valid JSON for a NUMBER_INTEGER value: EOF while parsing a value"),
        param("integer as a word", b"big=two", "invalid --param `big`: `two` is not valid JSON for a NUMBER_INTEGER value"),
        param("integer float beyond 2^53", b"big=1e19", "invalid --param `big`: `1e19`: integer 1e+19 is read as a double of ±2^52 or more"),
        param("double as a word", b"ratio=abc", "invalid --param `ratio`: `abc` is not valid JSON for a NUMBER_DOUBLE value"),
        param("double NaN", b"ratio=NaN", "invalid --param `ratio`: `NaN` is not valid JSON for a NUMBER_DOUBLE value"),
        param("double beyond f64", b"single=1e400", "invalid --param `single`: `1e400` is not valid JSON for a NUMBER_DOUBLE value: number out of range"),
        param("double as a string", b"ratio=\"0.5\"", "expected a number, got \"0.5\""),
        param("boolean in Python spelling", b"flag=True", "invalid --param `flag`: `True` is not valid JSON for a BOOLEAN value"),
        param("boolean as a number", b"flag=1", "invalid --param `flag`: `1`: expected a boolean, got 1"),
        param("boolean with trailing text", b"flag=true false", "invalid --param `flag`: `true false` is not valid JSON for a BOOLEAN value: trailing characters"),
        param("list as a number", b"items=1", "invalid --param `items`: `1`: expected a list, got 1"),
        param("list truncated", b"items=[1,", "invalid --param `items`: `[1,` is not valid JSON for a LIST value"),
        param("list as an object", b"names={}", "invalid --param `names`: `{}`: expected a list, got {}"),
        param("struct as a list", b"scores=[]", "invalid --param `scores`: `[]`: expected a JSON object, got []"),
        param("struct as null", b"counts=null", "invalid --param `counts`: `null`: expected a JSON object, got null"),
        param("struct as a list, raw", b"raw=[1]", "invalid --param `raw`: `[1]`: expected a JSON object, got [1]"),
        param("struct as a number", b"config=5", "invalid --param `config`: `5`: expected a JSON object, got 5"),
        param("struct with single quotes", b"config={'depth': 1}", "invalid --param `config`: `{'depth': 1}` is not valid JSON for a STRUCT value"),
        param("unknown parameter", b"nope=1", "invalid --param: pipeline `every-type` has no parameter `nope`; its parameters: text, small"),
        param("empty parameter name", b"=1", "invalid --param: pipeline `every-type` has no parameter ``"),
        param("no equals sign", b"flag", "invalid --param `flag`: expected NAME=VALUE"),
        Row::new("parameter given twice", &[b"run", b"every-type", b"--root", b"@DIR@/root", b"--param", b"flag=true", b"--param", b"flag=false"], 2, "invalid --param `flag`: the parameter is given twice"),
        Row::new("compile with a bad default", &[b"compile", b"every-type", b"-o", b"@DIR@/p.yaml", b"--param", b"flag=1"], 2, "invalid --param `flag`: `1`: expected a boolean, got 1"),
    ]);

    // ... and against the Rust type: ranges, list elements and struct fields.
    rows.extend([
        param(
            "u8 out of range",
            b"small=300",
            "invalid --param `small`: `300`: integer 300 is out of range for `u8` (0 to 255)",
        ),
        param(
            "u64 negative",
            b"big=-1",
            "invalid --param `big`: `-1`: integer -1 is out of range for `u64`",
        ),
        param(
            "i32 out of range",
            b"signed=2147483648",
            "invalid --param `signed`: `2147483648`: integer 2147483648 is out of range for `i32`",
        ),
        param(
            "f32 out of range",
            b"single=1e39",
            "invalid --param `single`: `1e39`: number 1e+39 is out of range for `f32`",
        ),
        param(
            "list of the wrong element type",
            b"items=[1, \"a\"]",
            "at `[1]`: expected an integer, got \"a\"",
        ),
        param(
            "list of strings with a number",
            b"names=[1]",
            "at `[0]`: expected a string, got 1",
        ),
        param(
            "map of doubles with a string",
            b"scores={\"s\": \"x\"}",
            "at `.s`: expected a number, got \"x\"",
        ),
        param(
            "map of u32 with a negative",
            b"counts={\"c\": -1}",
            "at `.c`: integer -1 is out of range for `u32`",
        ),
        param(
            "struct field out of range",
            b"config={\"depth\": -1, \"rate\": 1, \"tags\": []}",
            "at `.depth`: invalid value: integer `-1`, expected u32",
        ),
        param(
            "struct field missing",
            b"config={\"depth\": 1}",
            "missing field `rate`",
        ),
        Row::new(
            "compile with an out-of-range default",
            &[
                b"compile",
                b"every-type",
                b"-o",
                b"@DIR@/p.yaml",
                b"--param",
                b"small=256",
            ],
            2,
            "invalid --param `small`: `256`: integer 256 is out of range for `u8`",
        ),
    ]);

    rows
}

impl Row {
    /// Replaces argument `index` and the expected message.
    fn with_arg(mut self, index: usize, arg: &[u8], message: &str) -> Self {
        self.args[index] = arg.to_vec();
        self.message = message.to_owned();
        self
    }
}

/// Replaces the placeholders in `bytes` with paths under `dir`.
fn fill(bytes: &[u8], dir: &Path) -> Vec<u8> {
    let out = format!("{DIR}/out/executor_output.json");
    let replace = |text: &[u8], from: &[u8], to: &[u8]| -> Vec<u8> {
        let mut result = Vec::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
            result.extend_from_slice(&rest[..at]);
            result.extend_from_slice(to);
            rest = &rest[at + from.len()..];
        }
        result.extend_from_slice(rest);
        result
    };
    let text = replace(bytes, OUT.as_bytes(), out.as_bytes());
    replace(&text, DIR.as_bytes(), dir.as_os_str().as_bytes())
}

/// What a directory holds: every path under it, with the contents of files.
type Snapshot = BTreeMap<PathBuf, Option<Vec<u8>>>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut entries = Snapshot::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_dir() {
                pending.push(path.clone());
                entries.insert(path, None);
            } else {
                let contents = if kind.is_file() {
                    std::fs::read(&path).unwrap()
                } else {
                    Vec::new()
                };
                entries.insert(path, Some(contents));
            }
        }
    }
    entries
}

/// Creates the files a row may refer to: a table, a regular file, an empty directory and a
/// read-only directory.
fn fixtures(dir: &Path) {
    std::fs::write(dir.join("table.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(dir.join("file"), "keep").unwrap();
    std::fs::create_dir(dir.join("dir")).unwrap();
    let read_only = dir.join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o555);
    std::fs::set_permissions(&read_only, mode).unwrap();
}

/// Runs one row in a fresh directory and returns what went wrong, if anything.
fn check(row: &Row) -> Result<(), String> {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    fixtures(dir);
    if let Some(input) = &row.input_file {
        std::fs::write(dir.join("input.json"), fill(input, dir)).unwrap();
    }
    let before = snapshot(dir);
    let mut command = Command::new(BIN);
    command
        .args(
            row.args
                .iter()
                .map(|arg| OsStr::from_bytes(&fill(arg, dir)).to_owned()),
        )
        .current_dir(dir)
        .env("VERTEX_MOUNT_ROOT", dir)
        .env_remove("VERTEX_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let mut stdin = child.stdin.take().unwrap();
    let data = row.stdin.as_ref().map(|input| fill(input, dir));
    let writer = std::thread::spawn(move || {
        // The binary may exit before reading everything; a broken pipe is fine then.
        let _ = stdin.write_all(data.as_deref().unwrap_or_default());
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();

    let mut problems = Vec::new();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let dir_text = dir.to_string_lossy();
    let expected = row.message.replace(DIR, &dir_text);
    let first = stderr.lines().next().unwrap_or_default();
    if output.status.code() != Some(row.code) {
        problems.push(format!(
            "exit code {:?}, expected {}",
            output.status.code(),
            row.code
        ));
    }
    let pieces_found = expected.split('…').all(|piece| first.contains(piece));
    if !first.starts_with("error: ") || !pieces_found {
        problems.push(format!("the error line lacks `{expected}`"));
    }
    let error_lines = stderr.lines().filter(|l| l.starts_with("error:")).count();
    let one_line = stderr.ends_with('\n') && stderr.lines().count() == 1;
    if error_lines != 1 || !(one_line || row.usage) {
        problems.push("stderr is not one `error:` line".to_owned());
    }
    if row.usage && !stderr.ends_with("For more information, try '--help'.\n") {
        problems.push("not clap's usage message".to_owned());
    }
    if first.len() > MAX_MESSAGE_BYTES {
        problems.push(format!("the error line has {} bytes", first.len()));
    }
    if !output.stdout.is_empty() {
        problems.push(format!(
            "stdout is not empty: {}",
            String::from_utf8_lossy(&output.stdout)
        ));
    }
    let after = snapshot(dir);
    // `exec` makes the parent directory of `outputs.outputFile` before the component runs.
    let output_parent = dir.join("out");
    for (path, contents) in &after {
        match (before.get(path), contents) {
            (None, None) if row.makes_dirs || *path == output_parent => {}
            (None, _) => problems.push(format!("left {}", path.display())),
            (Some(old), new) if old != new => problems.push(format!("changed {}", path.display())),
            _ => {}
        }
    }
    for path in before.keys().filter(|path| !after.contains_key(*path)) {
        problems.push(format!("removed {}", path.display()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let stderr_head: String = stderr.chars().take(600).collect();
        Err(format!(
            "{}\n    stderr: {stderr_head}",
            problems.join("; ")
        ))
    }
}

#[test]
fn catalogue_of_bad_inputs() {
    let rows = catalogue();
    assert!(rows.len() >= 60, "only {} rows", rows.len());
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| check(row).err().map(|e| format!("[{}] {e}", row.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Builds an executor input for `add` of exactly `len` bytes, padded with an unused
/// parameter.
fn padded_input(len: usize, output_file: &Path) -> String {
    let head = r#"{"inputs": {"parameterValues": {"a": 1, "pad": ""#;
    let tail = format!(
        r#""}}}}, "outputs": {{"outputFile": "{}"}}}}"#,
        output_file.display()
    );
    let pad = len - head.len() - tail.len();
    format!("{head}{}{tail}", "x".repeat(pad))
}

/// Linux limits one argument to 32 pages, 131,072 bytes with its terminating NUL, so an
/// executor input of 131,072 bytes or more cannot be passed as `--executor-input`: the
/// kernel refuses the exec with E2BIG and the binary never starts. That is why
/// `--executor-input-file` exists, and why the local runner switches to it above 100,000
/// bytes.
#[test]
fn argument_over_128_kib_fails_with_e2big() {
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("o.json");
    let spawn = |input: &str| {
        Command::new(BIN)
            .args(["exec", "add", "--executor-input", input])
            .stderr(Stdio::piped())
            .output()
    };

    let largest = padded_input(131_071, &output_file);
    let output = spawn(&largest).expect("131,071 bytes fit in one argument");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(&output_file).unwrap(),
        r#"{"parameterValues":{"Output":1}}"#
    );
    std::fs::remove_file(&output_file).unwrap();

    for len in [131_072, 200 * 1024] {
        let error = spawn(&padded_input(len, &output_file)).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(E2BIG), "{len} bytes: {error}");
        assert_eq!(error.kind(), std::io::ErrorKind::ArgumentListTooLong);
        assert!(!output_file.exists());
    }

    // The same 200 KiB input goes through a file.
    let input_file = dir.path().join("input.json");
    std::fs::write(&input_file, padded_input(200 * 1024, &output_file)).unwrap();
    let status = Command::new(BIN)
        .args(["exec", "add", "--executor-input-file"])
        .arg(&input_file)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(output_file.exists());
}

/// A valid 30 MiB executor input works through a file and through standard input: there is
/// no size limit of its own.
#[test]
fn huge_valid_input_through_file_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("o.json");
    let input = padded_input(HUGE, &output_file);
    let input_file = dir.path().join("input.json");
    std::fs::write(&input_file, &input).unwrap();
    let status = Command::new(BIN)
        .args(["exec", "add", "--executor-input-file"])
        .arg(&input_file)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(&output_file).unwrap(),
        r#"{"parameterValues":{"Output":1}}"#
    );
    std::fs::remove_file(&output_file).unwrap();

    let mut child = Command::new(BIN)
        .args(["exec", "add", "--executor-input-file", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(output_file.exists());
}

/// Runs `exec COMPONENT` on `input` with outputs under `dir`; returns the exit code, stderr
/// and the executor output, if one was written.
fn exec_in(dir: &Path, component: &str, input: &str) -> (i32, String, Option<Value>) {
    let input = String::from_utf8(fill(input.as_bytes(), dir)).unwrap();
    let output = Command::new(BIN)
        .args(["exec", component, "--executor-input", &input])
        .env("VERTEX_MOUNT_ROOT", dir)
        .output()
        .unwrap();
    let written = std::fs::read(dir.join("out/executor_output.json"))
        .ok()
        .map(|bytes| serde_json::from_slice(&bytes).unwrap());
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr, written)
}

/// Inside maps (`parameterValues`, `artifacts`, STRUCT values) the last of two duplicate keys
/// wins, as with Python's `json.loads`. A repeated field of the executor input's own
/// structure is an error instead (see the catalogue). kfp never writes duplicate keys, so
/// neither rule can change what kfp sends.
#[test]
fn duplicate_keys_in_maps_keep_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr, output) = exec_in(
        dir.path(),
        "add",
        &with_inputs(r#"{"parameterValues": {"a": "one", "a": 1, "b": 2, "b": 3}}"#),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(output.unwrap(), json!({"parameterValues": {"Output": 4}}));

    let fields: Vec<String> = echo_fields()
        .into_iter()
        .map(|(name, value)| match name {
            "config" => {
                r#""config": {"depth": 1.5, "depth": 7, "rate": 0.5, "tags": []}"#.to_owned()
            }
            _ => format!(r#""{name}": {value}"#),
        })
        .collect();
    let input = with_inputs(&format!(
        r#"{{"parameterValues": {{{}}}}}"#,
        fields.join(", ")
    ));
    let (code, stderr, output) = exec_in(dir.path(), "echo", &input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        output.unwrap()["parameterValues"]["Output"]["config"]["depth"],
        json!(7)
    );
}

/// `--executor-input-file` takes any path, valid UTF-8 or not.
#[test]
fn input_file_with_non_utf8_name_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let name = OsStr::from_bytes(b"input-\xff.json");
    let input_file = dir.path().join(name);
    std::fs::write(&input_file, fill(add_input("41").as_bytes(), dir.path())).unwrap();
    let status = Command::new(BIN)
        .args(["exec", "add", "--executor-input-file"])
        .arg(&input_file)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(dir.path().join("out/executor_output.json")).unwrap();
    assert_eq!(text, r#"{"parameterValues":{"Output":41}}"#);
}

// Fixes of bugs that the catalogue and the fuzz targets found, and one limitation.

/// Checks that every message shortens a long value. Messages about parameters always did
/// (`... (N bytes)`), but serde's invalid-type message, the artifact URI messages and the
/// output path message repeated it whole: a 30 MiB string where the `inputs` object belongs
/// gave a 30 MiB `error:` line.
#[test]
fn long_values_are_shortened_in_every_message() {
    let long = "x".repeat(1 << 20);
    let cases = [
        (
            "exec",
            "add",
            with_inputs(&format!("\"{long}\"")),
            3,
            "at `inputs`: invalid type: string",
        ),
        (
            "exec",
            "add",
            with_inputs(&format!(
                r#"{{"artifacts": {{"a": {{"artifacts": [{{"uri": 5, "name": "{long}"}}]}}}}}}"#
            )),
            3,
            "invalid type: integer `5`",
        ),
        (
            "exec",
            "artifacts",
            with_inputs(&format!(
                r#"{{"artifacts": {{"table": {{"artifacts": [{{"uri": "ftp://{long}"}}]}}}}}}"#
            )),
            4,
            "unsupported URI scheme `ftp://`",
        ),
        (
            "exec",
            "add",
            with_outputs(&format!(r#"{{"outputFile": "@DIR@/{long}"}}"#)),
            7,
            "File name too long",
        ),
    ];
    for (command, component, input, code, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let input_file = dir.path().join("input.json");
        std::fs::write(&input_file, fill(input.as_bytes(), dir.path())).unwrap();
        let output = Command::new(BIN)
            .args([command, component, "--executor-input-file"])
            .arg(&input_file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{message}");
        assert!(stderr.contains(message), "{message}");
        assert!(
            stderr.len() <= MAX_MESSAGE_BYTES,
            "{message}: the error line has {} bytes",
            stderr.len()
        );
    }
}

/// Checks the messages for integers beyond 64 bits, which serde_json reads as doubles. A
/// double past the type's range by more than rounding is out of range; one at the bound may
/// come from an integer in range, so its message requests digits within 64 bits. `i128` and
/// `u128` inputs therefore take values within 64 bits only, as KFP's doubles cannot carry
/// larger ones either.
#[test]
fn integer_beyond_64_bits_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "u64",
            "18446744073709551616",
            "integer 1.8446744073709552e+19 is read as a double of ±2^52 or more",
        ),
        (
            "u64",
            "100000000000000000000",
            "integer 1e+20 is out of range for `u64` (0 to 18446744073709551615)",
        ),
        (
            "i64",
            "-9223372036854775809",
            "integer -9.223372036854776e+18 is read as a double of ±2^52 or more",
        ),
        (
            "i64",
            "-10000000000000000000",
            "integer -1e+19 is out of range for `i64`",
        ),
        (
            "u128",
            "340282366920938463463374607431768211455",
            "write it with digits only, within the 64-bit range",
        ),
        (
            "u128",
            "-18446744073709551616",
            "integer -1.8446744073709552e+19 is out of range for `u128`",
        ),
    ];
    for (input, value, message) in cases {
        let json = with_inputs(&format!(r#"{{"parameterValues": {{"{input}": {value}}}}}"#));
        let (code, stderr, _) = exec_in(dir.path(), "integers", &json);
        assert_eq!(code, 4, "{input} = {value}: {stderr}");
        assert!(stderr.contains(message), "{input} = {value}: {stderr}");
    }
}

/// Checks that float texts which parsing rounds to a whole number are rejected for integer
/// inputs. `9007199254740993.0`, which is 2^53 plus one, arrives as 2^53, and a fraction on a
/// number beyond 2^52 disappears, so both were taken as other integers than were sent.
#[test]
fn rounded_float_text_is_not_taken_for_an_integer() {
    let dir = tempfile::tempdir().unwrap();
    for value in ["9007199254740993.0", "4503599627370496.3"] {
        let (code, stderr, output) = exec_in(dir.path(), "add", &add_input(value));
        assert_eq!(code, 4, "{value} gave {output:?}: {stderr}");
    }
}

/// Checks that a parameter value given to an artifact input is reported as such. It used to
/// read "required input is missing (value: ...)".
#[test]
fn parameter_for_artifact_input_reported() {
    let dir = tempfile::tempdir().unwrap();
    let json = with_inputs(r#"{"parameterValues": {"table": "/data.csv"}}"#);
    let (code, stderr, _) = exec_in(dir.path(), "artifacts", &json);
    assert_eq!(code, 4, "{stderr}");
    assert!(!stderr.contains("missing"), "{stderr}");
    assert!(stderr.contains("artifact"), "{stderr}");
}

/// Checks that a `--param` value that fails to parse is quoted as typed. The message used to
/// show it as a JSON string with every `"` trimmed from both ends, so `signed="3"` came out
/// as `\"3\`.
#[test]
fn param_value_shown_as_typed() {
    let cases = [
        (
            "signed=\"3\"",
            "invalid --param `signed`: `\"3\"`: expected an integer, got \"3\"",
        ),
        (
            "config={\"a\": \"b\\\\c\"}",
            "invalid --param `config`: `{\"a\": \"b\\\\c\"}`: missing field `depth`",
        ),
    ];
    for (param, expected) in cases {
        let output = Command::new(BIN)
            .args([
                "run",
                "every-type",
                "--root",
                "/nonexistent/root",
                "--param",
                param,
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with(&format!("error: {expected}")),
            "{stderr}"
        );
    }
}

/// Checks that a line break in a value stays out of the `error:` line. Messages used to quote
/// an artifact URI, a component name, a JSON key (in the path of an error and as an unknown
/// field) and the start of an executor input that is not an object as they are, so a line
/// break split the line and let the input forge a second one. The `exec_input` fuzz target
/// found the last two.
#[test]
fn line_breaks_in_values_stay_on_one_line() {
    let forged = "ftp://a\nerror: forged";
    let cases: [(&str, String); 6] = [
        (
            "artifacts",
            with_inputs(&format!(
                r#"{{"artifacts": {{"table": {{"artifacts": [{{"uri": "{}"}}]}}}}}}"#,
                forged.replace('\n', "\\n")
            )),
        ),
        (
            "artifacts",
            with_inputs(r#"{"artifacts": {"table": {"artifacts": [{"uri": "gs://b/../\nx"}]}}}"#),
        ),
        ("no\npe", add_input("1")),
        (
            "add",
            with_inputs(r#"{"artifacts": {"x\nerror: forged": 5}}"#),
        ),
        (
            "artifacts",
            with_inputs(r#"{"artifacts": {"shards": {"a\nb": []}}}"#),
        ),
        ("add", "[\n  {\"outputs\": {}}\n]".to_owned()),
    ];
    for (component, input) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr, _) = exec_in(dir.path(), component, &input);
        assert_ne!(code, 0);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// Checks that messages inside the executor input reject JSON arrays. serde reads a struct
/// from an array too, field by field in declaration order, and the runtime used to reject an
/// array only for the whole executor input: `"outputs": [{}, {}, "/tmp/o.json"]` was taken
/// as an `outputFile`, `"inputs": [{"a": 2}]` as parameter values, and an artifact could be
/// `["name", null, "/uri", {}]`.
#[test]
fn nested_messages_given_as_arrays_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        format!(
            r#"{{"inputs": {{"parameterValues": {{"a": 1}}}}, "outputs": [{{}}, {{}}, "{OUT}"]}}"#
        ),
        format!(r#"{{"inputs": [{{"a": 2}}], "outputs": {{"outputFile": "{OUT}"}}}}"#),
        with_inputs(
            r#"{"parameterValues": {"a": 3}, "artifacts": {"x": {"artifacts": [["n", null, "/x", {}]]}}}"#,
        ),
    ];
    for input in cases {
        let (code, stderr, output) = exec_in(dir.path(), "add", &input);
        assert_eq!(code, 3, "{input}: {output:?}");
        assert!(stderr.contains("invalid type: sequence"), "{stderr}");
    }
}

/// Checks that a long value with spaces in it is shortened too. The error line cuts each
/// run of over 200 characters without a space, so 4 MiB of `"a a a ..."` where the `inputs`
/// object belongs, or in an artifact URI, still gave a 4 MiB `error:` line.
#[test]
fn long_values_with_spaces_are_shortened() {
    let long = "a ".repeat(2 << 20);
    let cases = [
        ("add", with_inputs(&format!("\"{long}\""))),
        (
            "artifacts",
            with_inputs(&format!(
                r#"{{"artifacts": {{"table": {{"artifacts": [{{"uri": "ftp://{long}"}}]}}}}}}"#
            )),
        ),
    ];
    for (component, input) in cases {
        let dir = tempfile::tempdir().unwrap();
        let input_file = dir.path().join("input.json");
        std::fs::write(&input_file, fill(input.as_bytes(), dir.path())).unwrap();
        let output = Command::new(BIN)
            .args(["exec", component, "--executor-input-file"])
            .arg(&input_file)
            .output()
            .unwrap();
        assert_ne!(output.status.code(), Some(0));
        assert!(
            output.stderr.len() <= MAX_MESSAGE_BYTES,
            "{component}: the error line has {} bytes",
            output.stderr.len()
        );
    }
}

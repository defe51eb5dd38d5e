//! Errors of the binary, one variant per stage, each with its own exit code.

use std::process::ExitCode;

/// An error that stops the binary. [`Error::exit_code`] documents the code of each kind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command line is invalid, or names an unknown component or pipeline. Exit code 2.
    #[error("{0}")]
    Usage(String),
    /// The executor input is not valid JSON or not shaped like an `ExecutorInput`. Exit
    /// code 3.
    #[error("invalid executor input: {0}")]
    ExecutorInput(String),
    /// An input is missing, of the wrong type, out of range, or an artifact URI has an
    /// unsupported scheme. Exit code 4.
    #[error("component `{component}`: input `{input}`: {message}")]
    Input {
        /// The component's KFP name.
        component: String,
        /// The input's KFP name.
        input: String,
        /// The problem with it.
        message: String,
    },
    /// The component returned `Err`. Exit code 5.
    #[error("component `{component}` failed: {message}")]
    Failed {
        /// The component's KFP name.
        component: String,
        /// The error's message, with its causes.
        message: String,
    },
    /// The component panicked. Exit code 6.
    #[error("component `{component}` panicked: {message}")]
    Panicked {
        /// The component's KFP name.
        component: String,
        /// The panic message and location.
        message: String,
    },
    /// An output could not be encoded or written. Exit code 7.
    #[error("cannot write outputs: {0}")]
    Output(String),
    /// Two components or pipelines share a name, or a definition is invalid. Exit code 8.
    #[error("invalid component registry: {0}")]
    Registry(String),
    /// A pipeline could not be compiled, or a local run failed. Exit code 9.
    #[error("{0}")]
    Pipeline(String),
    /// `submit` could not authenticate, reach the Vertex AI API, or the API refused the
    /// job. Exit code 10.
    #[error("{0}")]
    Api(String),
}

impl Error {
    /// Returns the process exit code of this kind of error:
    ///
    /// | code | kind |
    /// |---|---|
    /// | 2 | [`Usage`](Error::Usage) |
    /// | 3 | [`ExecutorInput`](Error::ExecutorInput) |
    /// | 4 | [`Input`](Error::Input) |
    /// | 5 | [`Failed`](Error::Failed) |
    /// | 6 | [`Panicked`](Error::Panicked) |
    /// | 7 | [`Output`](Error::Output) |
    /// | 8 | [`Registry`](Error::Registry) |
    /// | 9 | [`Pipeline`](Error::Pipeline) |
    /// | 10 | [`Api`](Error::Api) |
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::ExecutorInput(_) => 3,
            Self::Input { .. } => 4,
            Self::Failed { .. } => 5,
            Self::Panicked { .. } => 6,
            Self::Output(_) => 7,
            Self::Registry(_) => 8,
            Self::Pipeline(_) => 9,
            Self::Api(_) => 10,
        }
    }

    /// Returns a short name of the kind, used in logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Usage(_) => "usage",
            Self::ExecutorInput(_) => "executor_input",
            Self::Input { .. } => "input",
            Self::Failed { .. } => "failed",
            Self::Panicked { .. } => "panicked",
            Self::Output(_) => "output",
            Self::Registry(_) => "registry",
            Self::Pipeline(_) => "pipeline",
            Self::Api(_) => "api",
        }
    }
}

impl From<&Error> for ExitCode {
    fn from(error: &Error) -> Self {
        ExitCode::from(error.exit_code())
    }
}

//! `gdl lsp`: the language server over stdio. This loop only moves
//! messages between `lsp-server`'s connection and [`crate::lsp::Server`]:
//! it handles every message already queued before publishing anything
//! (so a burst of keystrokes is analysed once, on its last text), then
//! publishes the quick front-end diagnostics, and hands the logic analyses
//! to a worker thread, so a long analysis never holds up the next edit's
//! front-end diagnostics or a request; their result is published when it
//! comes back, unless the text changed meanwhile.

use clap::Args;
use crossbeam_channel::{Receiver, Sender, select, unbounded};
use lsp_server::{Connection, Message};

use super::{EXIT_FINDINGS, EXIT_OK};
use crate::lsp::Server;
use crate::lsp::document::{LogicDone, LogicJob};

#[derive(Args, Debug)]
pub struct LspArgs {
    /// Speak the protocol on standard input and output (the default and
    /// only transport; accepted because editors pass it).
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: &LspArgs) -> u8 {
    let (connection, io_threads) = Connection::stdio();
    let served = serve(&connection);
    // Closing the connection lets the writer thread finish.
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => EXIT_OK,
        (Err(error), _) => {
            tell!("gdl lsp: {error}");
            EXIT_FINDINGS
        }
        (_, Err(error)) => {
            tell!("gdl lsp: {error}");
            EXIT_FINDINGS
        }
    }
}

type Failure = Box<dyn std::error::Error>;

fn serve(connection: &Connection) -> Result<(), Failure> {
    let (id, params) = connection.initialize_start()?;
    let params: lsp_types::InitializeParams = serde_json::from_value(params)?;
    let mut server = Server::new(&params);
    connection.initialize_finish(id, Server::initialize_result())?;
    let (jobs, done) = logic_worker();
    // A logic job is running on the worker.
    let mut busy = false;
    loop {
        // Everything already queued, before any publishing.
        while let Ok(message) = connection.receiver.try_recv() {
            if !handle(connection, &mut server, message)? {
                return Ok(());
            }
        }
        while let Ok(result) = done.try_recv() {
            busy = false;
            send(connection, server.finish_logic(result))?;
        }
        if server.has_front_work() {
            send(connection, server.front_work())?;
            continue;
        }
        if !busy && let Some(job) = server.next_logic_job() {
            jobs.send(job)?;
            busy = true;
            continue;
        }
        select! {
            recv(connection.receiver) -> message => match message {
                Ok(message) => {
                    if !handle(connection, &mut server, message)? {
                        return Ok(());
                    }
                }
                Err(_) => return Ok(()),
            },
            recv(done) -> result => {
                busy = false;
                if let Ok(result) = result {
                    send(connection, server.finish_logic(result))?;
                }
            }
        }
    }
}

/// The thread that runs logic jobs one after the other. It ends when the
/// job sender is dropped (the loop returned); a job it is running then is
/// left to finish with the process.
fn logic_worker() -> (Sender<LogicJob>, Receiver<LogicDone>) {
    let (jobs, incoming) = unbounded::<LogicJob>();
    let (results, done) = unbounded();
    std::thread::spawn(move || {
        for job in incoming {
            if results.send(job.run()).is_err() {
                break;
            }
        }
    });
    (jobs, done)
}

/// Handles one message; `false` once the client has shut the server down.
fn handle(connection: &Connection, server: &mut Server, message: Message) -> Result<bool, Failure> {
    if let Message::Request(request) = &message
        && connection.handle_shutdown(request)?
    {
        return Ok(false);
    }
    send(connection, server.handle(message))?;
    Ok(true)
}

fn send(connection: &Connection, messages: Vec<Message>) -> Result<(), Failure> {
    for message in messages {
        connection.sender.send(message)?;
    }
    Ok(())
}

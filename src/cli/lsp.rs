//! `gdl lsp`: the language server over stdio. This loop only moves
//! messages between `lsp-server`'s connection and [`crate::lsp::Server`]:
//! it handles every message already queued before publishing anything
//! (so a burst of keystrokes is analysed once, on its last text), and
//! gives the server a step of its waiting work (`Server::work`) only when
//! the queue is empty.

use clap::Args;
use lsp_server::{Connection, Message};

use super::{EXIT_FINDINGS, EXIT_OK};
use crate::lsp::Server;

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

fn serve(connection: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    let (id, params) = connection.initialize_start()?;
    let params: lsp_types::InitializeParams = serde_json::from_value(params)?;
    let mut server = Server::new(&params);
    connection.initialize_finish(id, Server::initialize_result())?;
    loop {
        let message = match connection.receiver.try_recv() {
            Ok(message) => message,
            Err(error) if error.is_disconnected() => return Ok(()),
            Err(_) if server.has_work() => {
                for out in server.work() {
                    connection.sender.send(out)?;
                }
                continue;
            }
            Err(_) => match connection.receiver.recv() {
                Ok(message) => message,
                Err(_) => return Ok(()),
            },
        };
        if let Message::Request(request) = &message
            && connection.handle_shutdown(request)?
        {
            return Ok(());
        }
        for out in server.handle(message) {
            connection.sender.send(out)?;
        }
    }
}

// gdl for VS Code. Highlighting comes from the TextMate grammar
// (syntaxes/gdl.tmLanguage.json); everything else from the language
// server, `gdl lsp`, which this starts. The two commands are the ones the
// server's lenses and code actions name: `gdl.runCases` runs `gdl test` on
// the case files it is given, in a terminal; `gdl.copyWitness` puts a
// logic finding's example patient on the clipboard as a facts file.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

/** Quotes an argument for the terminal's shell. */
function quote(argument) {
  return /^[\w./:-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, "'\\''")}'`;
}

function activate(context) {
  const command = vscode.workspace.getConfiguration("gdl").get("server.path", "gdl");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "gdl",
    "gdl language server",
    { run: server, debug: server },
    {
      // Guidelines, and the case files whose names the server checks and
      // renames with them.
      documentSelector: [
        { scheme: "file", language: "gdl" },
        { scheme: "file", pattern: "**/*.cases.json" },
      ],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{gdl,json}"),
      },
    }
  );
  context.subscriptions.push(
    vscode.commands.registerCommand("gdl.copyWitness", async (facts) => {
      await vscode.env.clipboard.writeText(facts);
      vscode.window.showInformationMessage("Example patient copied as facts JSON (for gdl run --facts).");
    }),
    vscode.commands.registerCommand("gdl.runCases", (...files) => {
      const terminal = vscode.window.createTerminal("gdl test");
      terminal.show();
      terminal.sendText([command, "test", "--coverage", ...files].map(quote).join(" "));
    })
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

#!/usr/bin/env node
// host_burst.js: a burst of SMPP clients (node-smpp, one process) for
// t_host_burst.sh.  All N clients connect at once; each binds as a
// transceiver with its own login (burst<i> / pw<i>), submits one message
// and unbinds.  Client i numbers its three requests (i+1)*10+1, +2, +3, so
// that every PDU of the burst, and its response, can be found by its
// sequence number (trn) in the server's pdu log.
//
// One JSON object per client on stdout when it is done:
//   {"client":7,"bind":0,"submit":0,"unbind":0}
// a status is null when its response never came (or the session broke
// first), and "error" says why.  Then {"done":N,"ok":K}.  A progress line
// goes to stderr each second.  Exit status 0 when it ran (the test judges
// the results), 2 on bad usage.
'use strict';

const path = require('path');
const smpp = require(path.join(__dirname, '..', 'peers', 'node_modules', 'smpp'));

const [host, portText, countText, timeoutText] = process.argv.slice(2);
const port = Number(portText), count = Number(countText), timeout = Number(timeoutText || 60);
if (!host || !Number.isInteger(port) || !Number.isInteger(count) || count < 1) {
	process.stderr.write('usage: host_burst.js HOST PORT COUNT [TIMEOUT_SECONDS]\n');
	process.exit(2);
}

let done = 0, ok = 0;

function runClient(i) {
	const base = (i + 1) * 10;
	const result = { client: i, bind: null, submit: null, unbind: null };
	let finished = false;
	const session = smpp.connect({ host: host, port: port });
	const timer = setTimeout(() => finish('timeout'), timeout * 1000);

	function finish(error) {
		if (finished)
			return;
		finished = true;
		clearTimeout(timer);
		if (error)
			result.error = error;
		if (result.bind === 0 && result.submit === 0 && result.unbind === 0)
			ok++;
		done++;
		process.stdout.write(JSON.stringify(result) + '\n');
		session.close();
		if (done === count) {
			process.stdout.write(JSON.stringify({ done: done, ok: ok }) + '\n');
			process.exit(0);
		}
	}

	session.on('error', (e) => finish('error: ' + (e && e.message ? e.message : String(e))));
	session.on('close', () => finish('closed'));
	session.on('enquire_link', (pdu) => session.send(pdu.response()));
	session.on('connect', () => {
		session.bind_transceiver({
			sequence_number: base + 1,
			system_id: Buffer.from('burst' + i),
			password: Buffer.from('pw' + i),
		}, (bind) => {
			result.bind = bind.command_status;
			if (bind.command_status !== 0)
				return finish('bind refused');
			session.submit_sm({
				sequence_number: base + 2,
				source_addr: Buffer.from('12345'),
				destination_addr: Buffer.from('467' + String(i).padStart(8, '0')),
				short_message: Buffer.from('burst ' + i),
			}, (submit) => {
				result.submit = submit.command_status;
				session.unbind({ sequence_number: base + 3 }, (unbind) => {
					result.unbind = unbind.command_status;
					finish();
				});
			});
		});
	});
}

const progress = setInterval(() => {
	process.stderr.write(`host_burst: ${done}/${count} clients done, ${ok} served\n`);
}, 1000);
progress.unref();
for (let i = 0; i < count; i++)
	runClient(i);

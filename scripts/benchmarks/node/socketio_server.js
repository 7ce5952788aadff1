'use strict';
// The baseline: the Socket.IO tutorial's chat server (https://socket.io/get-started/chat), its exact logic:
// every 'chat message' goes to everyone with io.emit. No page is served (the load generator needs none);
// the server's options are Socket.IO 4's defaults, as in the tutorial.
//   node socketio_server.js PORT
const { createServer } = require('node:http');
const { Server } = require('socket.io');

const port = Number(process.argv[2]);
const server = createServer();
const io = new Server(server);

io.on('connection', (socket) => {
  socket.on('chat message', (msg) => {
    io.emit('chat message', msg);
  });
});

server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

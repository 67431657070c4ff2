// `npm start -- --role worker` under its old name: a worker joining an existing deployment
// (DATABASE_URL, TEMPORAL_ADDRESS, OS_AUTH_URL and the admin credentials), starting nothing else.
export {};
process.env.BLOCKFLOW_ROLE = 'worker';
await import('./start');

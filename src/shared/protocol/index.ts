// The contracts between the parts (DESIGN §1): the experiment config, its error wording, the
// run folder's records, host ⇄ trainer and host ⇄ webview messages. Imports neither vscode nor
// TensorFlow; nothing outside this folder defines a message.
export * from './config';
export * from './config-errors';
export * from './recipes';
export * from './records';
export * from './study';
export * from './trainer-messages';
export * from './webview-messages';

// What the inbound pipeline needs from the quarantine.
export { quarantineMessage, type QuarantineMessageInput } from './use-cases/quarantine-message';

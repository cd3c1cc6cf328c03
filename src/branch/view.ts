/**
 * What the object's components (alerts, history) read of the live state: the chats, their
 * aggregates and the settings, as they are at the moment of the call.
 */
import type { ChatIndex } from "./chat-index";
import type { BranchSettings, BranchState } from "./model";

export type ComponentView = { state: BranchState; index: ChatIndex; settings: BranchSettings | null };

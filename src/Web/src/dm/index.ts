// The direct-message screens and their engine: one lazy chunk with the crypto module.
export { default as DmSidebar } from './DmSidebar.svelte';
export { default as DmConversation } from './DmConversation.svelte';
export { default as DmDevices } from './DmDevices.svelte';
export { default as FriendsView } from '../friends/FriendsView.svelte';

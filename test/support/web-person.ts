import type { Page } from 'playwright-core';

/** Someone the web app knows by address, under the name they were added with. */
export interface Known {
  address: string;
  name: string;
}

/**
 * Opens the web app at `url`, makes a new identity called `name`, waits for the socket to be
 * online and returns the address the settings screen shows.
 */
export async function onboard(
  page: Page,
  url: string,
  name: string,
  gotoTimeoutMs?: number,
): Promise<string> {
  await page.goto(url, gotoTimeoutMs === undefined ? undefined : { timeout: gotoTimeoutMs });
  await page.getByLabel('Display name').fill(name);
  await page.getByRole('button', { name: 'Create identity' }).click();
  await page.locator('cv-connection-status [data-state="online"]').first().waitFor({ timeout: 30_000 });
  await page.locator('nav [data-tab="settings"]').click();
  return (await page.locator('[data-address]').textContent()) ?? '';
}

/** Adds `other` as a contact on the contacts screen and waits for the entry. */
export async function addContact(page: Page, other: Known): Promise<void> {
  await page.locator('nav [data-tab="contacts"]').click();
  await page.getByLabel('Their address').fill(other.address);
  await page.getByLabel('Name for them').fill(other.name);
  await page.getByRole('button', { name: 'Add contact' }).click();
  await page.locator(`[data-contact="${other.address}"]`).waitFor();
}

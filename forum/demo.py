"""`run.py demo`: fill an empty database with a believable brand community.

The community of "Lumio", a made-up maker of earbuds, watches and a smart speaker, in English,
Turkish and Russian: categories of every kind, curated tags on the threads, members with a long
tail of activity (a few very active, most occasional) and some following categories and tags,
threads with replies, likes, @mentions, quotes and accepted solutions, ideas with members'
votes and, where the team answered, a status, spread over the past six months. From
LONG_THREAD_SCALE posts on, a few long-running threads ("Post your Lumio collection") of 5,000
posts or more.

Rows are written with raw multi-row INSERTs and explicit ids, not through the service verbs or
model instances, so a million posts take minutes rather than hours. Everything a verb would have
kept consistent is computed here instead: post numbers 1..N, every counter (tags' included),
last_posted_at and the stored HTML (rendered by forum.markup with the mentions the service
would link). The activity log (threads, replies, likes, accepted answers) is written too, in
time order, and recognition (points, tiers, badges) is rebuilt from it as `run.py
recompute-recognition` would; above RECOGNITION_SCALE posts that replay takes minutes, so it is
left to that command.

The content is deterministic for a seed; timestamps are relative to the moment of the run.
"""

from __future__ import annotations

import bisect
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from forum import markup
from forum.accounts import service as accounts
from forum.accounts.models import User
from forum.advocacy import service as advocacy
from forum.events import Event
from forum.ideas.models import Idea, IdeaStatusChange, IdeaVote
from forum.notifications.models import TRACKING, WATCHING, CategoryWatch, TagWatch
from forum.search import service as search
from forum.site import models as site
from forum.text import fold, slugify
from forum.threads import tags as tagging
from forum.threads.models import Category, Like, Post, Tag, Thread, ThreadTag, thread_slug

DEFAULT_SEED = 1905
BRAND = "Lumio"
COMMUNITY_NAME = "Lumio Community"
# Threads start within this window before the run; members may have joined earlier.
WINDOW = timedelta(days=182)
# Rows are inserted in batches of about this many posts (with their threads and likes).
FLUSH_POSTS = 20_000
# SQLite's page cache while the demo writes, in KiB (see _page_cache).
PAGE_CACHE_KIB = 256 * 1024
# Up to this many posts the demo replays its activity log into recognition (about 3 ms an
# event); above it, `run.py recompute-recognition` does it when wanted.
RECOGNITION_SCALE = 5_000
# Replies of an ordinary thread; long threads (below) have thousands.
MAX_REPLIES = 199
# From this scale on the community has long-running threads of LONG_POSTS posts (a page far
# into a big thread is worth measuring at every size), one per LONG_EVERY posts, at most
# LONG_MAX of them.
LONG_THREAD_SCALE = 10_000
LONG_POSTS = (5_200, 8_000)
LONG_EVERY = 125_000
LONG_MAX = 8
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

LANGS = ("en", "tr", "ru")
LANG_WEIGHTS = (0.5, 0.25, 0.25)
KIND_WEIGHTS = {"support": 0.4, "discussion": 0.35, "ideas": 0.25}
# Replies per thread: int(lognormal(mu, sigma)), a long tail of busy threads.
REPLIES = {"support": (1.3, 0.8), "ideas": (1.4, 0.9), "discussion": (1.7, 0.9)}

DEVICES = (
    "Lumio Buds Pro", "Lumio Buds 2", "Lumio Watch S", "Lumio Watch Active", "Lumio Band 4",
    "Lumio Dot",
)  # fmt: skip
BUDS = ("Lumio Buds Pro", "Lumio Buds 2")
WATCHES = ("Lumio Watch S", "Lumio Watch Active", "Lumio Band 4")
PHONES = (
    "Pixel 8", "Galaxy S23", "Galaxy A54", "iPhone 13", "iPhone 15 Pro", "Redmi Note 12",
    "Xiaomi 13T", "OnePlus 11",
)  # fmt: skip
# Numbers that read naturally in every language ("36 часов", never "22 часа").
HOURS = (28, 30, 35, 36, 38, 40)
PERCENTS = (12, 15, 18, 20, 25, 30)
# (version, days before the run it was released), oldest first.
FIRMWARE = (
    ("2.9", 300), ("3.0", 240), ("3.1", 168), ("3.2", 131), ("3.2.1", 117), ("3.3", 84),
    ("3.3.2", 53), ("3.4", 19),
)  # fmt: skip
APP_RELEASES = (("5.6", 230), ("5.7", 150), ("5.8", 101), ("5.9", 61), ("6.0", 26))

# name, description, colour, kind, start_role, route (which threads go there)
CATEGORIES = (
    ("Announcements", "News from the Lumio team: events, maintenance and community updates.",
     "#c0392b", "announcements", "staff", "news"),
    ("Release Notes", "What changed in each firmware and app release.",
     "#8e44ad", "announcements", "staff", "releases"),
    ("Setup & Pairing", "Getting started, pairing with your phone, resets and multipoint.",
     "#16a085", "support", "member", "setup"),
    ("Battery & Charging", "Battery life, charging cases and power settings.",
     "#d35400", "support", "member", "battery"),
    ("App & Sync", "The Lumio app, data sync, notifications and health exports.",
     "#2980b9", "support", "member", "sync"),
    ("Firmware Updates", "Installing updates, staged rollouts and problems after updating.",
     "#7f8c8d", "support", "member", "firmware"),
    ("Feature Ideas", "Suggest features for Lumio devices and like the ones you want most.",
     "#f39c12", "ideas", "member", "device"),
    ("App Ideas", "Ideas for the Lumio app: screens, widgets, exports and integrations.",
     "#27ae60", "ideas", "member", "app"),
    ("Audio", "Sound, noise cancelling and EQ presets: Lumio Buds and the Dot speaker.",
     "#2c3e50", "discussion", "member", "audio"),
    ("Wearables & Fitness", "Lumio Watch and Band: workouts, sleep, heart rate and watch faces.",
     "#e84393", "discussion", "member", "wearables"),
    ("Türkiye Topluluğu", "Türkçe konuşan Lumio kullanıcıları için sohbet, ipuçları ve buluşmalar.",
     "#e30a17", "discussion", "member", "tr"),
    ("Русскоязычное сообщество", "Обсуждения, советы и встречи владельцев Lumio на русском языке.",
     "#1565c0", "discussion", "member", "ru"),
)  # fmt: skip

# slug, name, description: the manager's curated list. A thread gets the tag of its topic
# (TOPIC_TAGS), of the words it uses (TAG_WORDS, in any of the three languages), and of the
# devices and phones it names: up to three, the most fitting first.
TAGS = (
    ("battery", "Battery", "Battery life, drain overnight and power settings."),
    ("charging", "Charging", "Charging cases, cables and wireless pads."),
    ("firmware", "Firmware", "Firmware updates, staged rollouts and rollbacks."),
    ("bluetooth", "Bluetooth", "Pairing, connections and multipoint."),
    ("sync", "Sync", "Getting steps, sleep and workouts from the device into the app."),
    ("notifications", "Notifications", "Phone notifications on the watch and the earbuds."),
    ("lumio-app", "Lumio app", "The Lumio app: screens, widgets, exports and integrations."),
    ("sound", "Sound & EQ", "Sound quality, noise cancelling and EQ presets."),
    ("fitness", "Fitness & sleep", "Workouts, heart rate, swimming and sleep tracking."),
    ("buds-pro", "Buds Pro", "Lumio Buds Pro."),
    ("buds-2", "Buds 2", "Lumio Buds 2."),
    ("watch-s", "Watch S", "Lumio Watch S."),
    ("watch-active", "Watch Active", "Lumio Watch Active."),
    ("band-4", "Band 4", "Lumio Band 4."),
    ("dot", "Dot", "The Lumio Dot smart speaker."),
    ("android", "Android", "Using Lumio devices with an Android phone."),
    ("iphone", "iPhone", "Using Lumio devices with an iPhone."),
)
# A thread's topic (see CATEGORIES and the pools) -> its tag.
TOPIC_TAGS = {
    "setup": "bluetooth", "battery": "battery", "sync": "sync", "firmware": "firmware",
    "app": "lumio-app", "audio": "sound", "wearables": "fitness", "maintenance": "sync",
}  # fmt: skip
# Matched against the lower-cased title and opening post.
TAG_WORDS = tuple(
    (slug, re.compile(pattern))
    for slug, pattern in (
        ("battery", r"batter|\bpil\b|\bpili|батаре|разряж"),
        ("charging", r"charg|şarj|заряд"),
        ("firmware", r"firmware|güncelle|прошивк|обновлени"),
        ("bluetooth", r"bluetooth|pairing|multipoint|eşleştir|çoklu bağlantı|сопряж|подключ"),
        ("sync", r"\bsync|senkron|синхрон"),
        ("notifications", r"notification|bildirim|уведомлен"),
        ("sound", r"\beq\b|sound|noise|gürültü|звук|шумоподав|эквалайз"),
        ("fitness", r"workout|heart rate|sleep|swim|antrenman|nabız|uyku|yüzme|тренировк|пульс"
         r"|\bсон\b|\bсна\b|плаван"),
        ("buds-pro", r"buds pro"),
        ("buds-2", r"buds 2"),
        ("watch-s", r"watch s\b"),
        ("watch-active", r"watch active"),
        ("band-4", r"band 4"),
        ("dot", r"lumio dot"),
        ("android", r"pixel|galaxy|redmi|xiaomi|oneplus|android"),
        ("iphone", r"iphone"),
    )
)  # fmt: skip

# --- Texts
#
# "[lang pool]" starts a pool; "~" separates its entries. Pools named questions.*, ideas.*, talk.*
# and news.* hold threads: the first paragraph is the title, the rest the opening post. Lines of a
# paragraph are joined with spaces (they are wrapped here only to stay readable), except lines
# starting with "- ", which keep their own line. {slots} are filled per thread; {a} is the
# Russian feminine ending of a past-tense verb ("", or "а" for a woman), {solver} the member
# whose reply solved the question.

TEXTS = """
[en questions.setup]
{device} won't show up in the app during pairing

Just unboxed my {device}. The Lumio app sees it for a second during setup and then it
disappears from the list. Bluetooth and location are both on, phone is a {phone}.

Anything I'm missing?
~
Stuck on "Preparing device" during first setup

Setup of my new {device} has been stuck on *Preparing device* for about twenty minutes now.
I've restarted the app twice. Is it safe to close it, or will that brick the thing?
~
How do I pair {buds} with two phones at once?

I'd like my {buds} connected to my work phone and my personal {phone} at the same time. The
manual mentions multipoint but I can't find the switch anywhere in the app.
~
Reset my {device} to factory settings before selling?

I'm passing my {device} on to my sister. What's the proper way to wipe it and remove it from my
account so she can set it up fresh?
[en questions.battery]
Battery drains overnight since {fw}

Since updating to firmware {fw} my {buds} lose about {pct}% overnight in the closed case.
Before the update it was barely 5%. Anyone else seeing this?
~
{buds}: left earbud dies much faster than the right

My {buds} are four months old. The left bud is always empty about an hour before the right one.
Is this normal or should I ask for a replacement?
~
Watch only lasts {hours} hours with always-on display

Is {hours} hours realistic for the {watch} with always-on display enabled? The box says up to 5
days, but I barely get through a day and a half.
~
{buds} case doesn't charge on my wireless pad

The {buds} case charges fine over USB-C but does nothing on my wireless charger. The light
doesn't even come on. Does it need a specific position?
[en questions.sync]
{watch} steps not syncing to the app since yesterday

My {watch} shows 9,000 steps but the Lumio app is stuck at yesterday's numbers. Pull to refresh
does nothing. {phone}, app version {app}.
~
{watch}: sleep data missing for some nights

Some nights just don't show up in the app at all. The watch recorded them (I can see the sleep
score on my wrist) but they never reach my phone.
~
Notifications stopped arriving on my {watch}

Since this morning none of my phone notifications show up on the {watch}. Calls still come
through. Phone is a {phone}.
[en questions.firmware]
Update to {fw} stuck at 0%

The app says firmware {fw} is available, but the download never gets past 0%. The device is
charged and right next to the phone.
~
Can I roll back from {fw} to {prev_fw}?

{fw} broke the touch controls on my {buds}: double tap now does nothing half the time. Is
there any way to go back to `{prev_fw}`?
~
{watch} restarts randomly after updating

After the latest update my {watch} reboots two or three times a day, usually in the middle of
a workout. Battery is fine. Is anyone else seeing this on {fw}?
[en fixes.setup]
This is almost always the location permission on Android. Go to
**Settings → Apps → Lumio → Permissions** and set location to *Allow all the time* during
setup, then try again. You can switch it back afterwards.
~
Put the device back in pairing mode: hold the button for 10 seconds until the light blinks
white, then **remove** it from your phone's Bluetooth list before adding it in the app. Pairing
through the phone's Bluetooth settings first confuses the app.
~
Multipoint is hidden under **Device → Connections → Connect to two devices**. It only appears
after the firmware update, so update first and the switch shows up.
~
The device menu in the app has a **Reset** option. It wipes the device and unlinks it from your
account in one go, so the next owner can start from scratch.
[en fixes.battery]
Turn off background scanning for *Find my earbuds* (Device → Find). Since {fw} it keeps the
radio awake. Mine went from {pct}% overnight to about 4%.
~
Clean the charging contacts in the case and on the buds with a dry cotton swab. When one side
doesn't sit properly it charges in short bursts and looks like it drains faster.
~
Always-on display plus raise-to-wake plus continuous heart rate is the killer combo. Set heart
rate to every 10 minutes and you'll get close to three days.
~
The case has to sit with the hinge facing up, logo centred on the pad. Some thicker pads don't
work with it at all, so try a different one before assuming it's broken.
[en fixes.sync]
Log out of the app and back in. It downloads a fresh sync token and everything that was stuck
comes through at once. Worked for me on app {app}.
~
Check battery optimisation for the Lumio app: Android kills it in the background and the sync
never runs. Set it to *Unrestricted*.
~
Notification access gets revoked after some phone updates. Open the phone's notification access
settings, switch Lumio off and on again, then restart the watch.
[en fixes.firmware]
Keep the app in the foreground with the screen on during the download and turn off battery
saver. It's slow but it gets there; it took about 15 minutes for me.
~
There's no official rollback, but support can push {prev_fw} to your device if you open a
ticket with the serial number. They did it for me within two days.
~
Do a full reset after the update (Device → Reset, then pair again). The reboots come from old
settings that don't carry over cleanly to {fw}.
[en suggest]
Have you tried restarting both the phone and the {device}? Sounds silly but it fixes half of
these.
~
Which app version are you on? Look under Settings → About in the app. One of the older builds
had a sync bug.
~
Same phone here ({phone}) and no issues so far. Maybe remove the device and add it again?
~
Does it happen in airplane mode too? That would tell you whether it's the connection or the
device itself.
~
I'd contact support with the logs (Settings → Help → Send logs). They answered me within a day.
~
Try charging it to 100% and leaving it on the charger for another hour. Mine behaved strangely
until the first full cycle.
[en metoo]
Same here since {fw}. Following.
~
Exactly the same problem with my {device}. Glad it's not just me.
~
+1, also on a {phone}.
~
Happens to me too, but only every few days.
[en followup]
Thanks, tried that. No change, unfortunately.
~
The app is on {app}, so the latest as far as I can tell.
~
Restarted everything, still the same. I'll try a reset tonight.
~
Sent the logs to support, will report back.
[en thanks]
@{solver} that did it, thank you! Marking this as solved.
~
That was it, thanks a lot @{solver}!
~
Can't believe it was that simple. Thanks @{solver}.
[en after]
Confirmed, this fixed it for me too.
~
Worked here as well, thanks for sharing.
~
Good to know, bookmarking this.
~
Thanks, this saved me a support ticket.
~
Had the same issue last month, wish I'd found this thread back then.
[en ideas.device]
Let us customise the double-tap gesture

Right now double tap on the {buds} is fixed to play/pause. I'd love to choose it myself: next
track, voice assistant or switching noise cancelling modes.

Who else would use this?
~
Swimming mode for the {watch}

The {watch} is water resistant but there's no proper pool swim tracking. Lap counting and
stroke detection would make it my only watch.
~
Low-battery voice prompt on the earbuds

A short voice prompt at 10% would be great. Right now they just die in the middle of a call.
~
Bedtime mode that dims the watch automatically

It would be nice if the watch went quiet and dim at my usual bedtime without me setting it every
night.
[en ideas.app]
Dark mode in the Lumio app

The app is really bright at night. A dark theme (or simply following the system setting) would
be very welcome.
~
Export workouts as GPX

Please add GPX export for workouts so I can upload my runs to other services.
~
Home screen widget for battery levels

A widget showing the battery of the buds, the case and the watch would save me opening the app
every morning.
~
Share EQ presets with other members

I spent ages tuning an EQ for podcasts. It'd be fun to share presets with a link and try what
others came up with.
[en idea_replies]
+1, I'd use this every day.
~
Yes please! This is the one thing I miss since switching from my old device.
~
Good idea, but please make it optional. I like the current behaviour.
~
Would be even better if it could be set per app.
~
Liked. This comes up every few months, I hope it finally makes the list.
~
Not sure about this one, it might clutter the settings. But I see why people want it.
[en idea_staff]
Thanks for the idea! We've passed it on to the product team. Keep the likes coming: they
really do read this category.
~
Good news: this is on our roadmap. No date yet, but we'll post in Announcements as soon as we
can share more.
[en talk.audio]
{buds} vs the competition: my impressions after a month

Switched from another brand a month ago. Short version: noise cancelling is a bit weaker, but
the sound is warmer and the fit is much better for me.

What EQ settings are you all using?
~
Best {buds} EQ preset for podcasts?

The default preset makes voices a bit boomy. Has anyone found a setting that's clearer for
podcasts and audiobooks?
~
Do the {buds} stay in at the gym?

Thinking about getting the {buds} for training. Do they stay in during runs and heavy lifting?
[en talk.wearables]
Show us your watch faces

Got bored of the default face and made my own with the step ring and the weather. Post yours!
~
How accurate is the {watch} heart rate while running?

Compared my {watch} against a chest strap on three runs. The average was within 2 bpm, sprints
lag a few seconds. Curious about your results.
~
{watch} sleep score: do you trust it?

My sleep score says 84 on nights I feel terrible and 62 when I wake up fresh. Does anyone
actually use it to change their habits?
[en talk.general]
Post your Lumio collection

**Buds Pro** for commuting, a {watch} for running and a Dot in the kitchen. What does yours
look like?
~
Tips for new owners

Just got my first Lumio device. What do you wish you'd known in your first week?
~
Which feature do you use the most?

For me it's the find-my-earbuds sound. It has saved me twice already.
[en talk_replies]
Great write-up, thanks for taking the time.
~
Pretty much my experience too.
~
Interesting, I had the opposite experience. Mine are fine for hours.
~
I use the *Clear voice* preset and take the bass down two steps. Much better for podcasts.
~
The fit really depends on the ear tips. Try the larger ones even if the small ones seem to fit.
~
Mine has been going strong for over a year, no complaints.
~
Honestly, the app got so much better this year.
~
Anyone tried this with a {phone}? Wondering about codec support.
~
Welcome to the club! Turn on automatic updates first thing.
[en news.welcome]
Welcome to the Lumio Community!

Hi everyone, and welcome! This is the place to ask questions, share tips and tell us what you'd
like to see next.

- **Support**: setup, battery, app and firmware questions. Mark the reply that helped as the
solution.
- **Ideas**: suggest features and like the ones you want.
- **Discussion**: everything else.

Please be kind, stay on topic and never post your order number or address in public. See you
around!
[en news.firmware]
Firmware {fw} is rolling out

Firmware **{fw}** is rolling out over the next two weeks.

What's new:

- Longer battery life in standby
- Faster pairing with Android phones
- Fixes for touch controls and random disconnects

Update from the Lumio app under **Device → Firmware**. Let us know how it goes!
[en news.app]
Lumio app {app} is out

Version {app} of the Lumio app is now in the app stores. It brings a redesigned home screen,
faster sync and a new battery widget. Thanks to everyone who sent feedback here!
[en news.event]
Community Q&A with the product team

Next Thursday at 18:00 CET members of our product team will answer your questions right here.
Post your questions in this thread in advance!
[en news.maintenance]
Planned maintenance of the sync service

On Sunday between 02:00 and 04:00 UTC sync will be paused for maintenance. Your devices keep
recording, and everything syncs afterwards.
[en news_replies]
Thanks for the heads-up!
~
Update installed, pairing is noticeably faster.
~
Still waiting for it here. Is it rolling out by region?
~
Any chance this also helps the {device}?
~
Love the new widget.
~
Great to see feedback from the forum being used.
[en news_staff]
Yes, it goes out in waves. Everyone should have it within two weeks.
~
Thanks for the feedback, keep it coming!
[en event_replies]
Thanks for the heads-up!
~
Will there be a summary for those of us who can't make it?
~
Question for the team: any plans for multipoint with three devices?
~
Good to know, thanks for posting this early.
[en greetings]
Hi all, happy to be here!
~
Hello from Manchester! Long-time Buds user, first post.
~
Thanks for setting this up. Looking forward to the Q&A sessions.
~
Hey everyone! Just got a {watch} and I'm already hooked.
[en closers]
Thanks in advance!
~
Any help appreciated.
~
Cheers
[en bios]
Runner, coffee drinker, gadget tinkerer.
~
Commuter. Podcasts all day.
~
Owner of too many earbuds.
~
Trying to close all my rings every day.
~
Software tester by day, home cook by night.
~
Cyclist from Leeds.
~
Parent of two. Sleeping rarely, and the sleep score agrees.

[tr questions.setup]
{device} eşleştirme sırasında uygulamada görünmüyor

Yeni aldığım {device} kurulum sırasında Lumio uygulamasında bir saniye görünüp kayboluyor.
Bluetooth ve konum açık, telefonum {phone}.

Neyi atlıyorum?
~
İlk kurulumda "Cihaz hazırlanıyor" ekranında kaldı

Yeni {device} cihazımın kurulumu yirmi dakikadır *Cihaz hazırlanıyor* ekranında bekliyor.
Uygulamayı iki kez yeniden başlattım. Kapatırsam cihaza bir şey olur mu?
~
{buds} iki telefona aynı anda nasıl bağlanır?

{buds} kulaklığımı hem iş telefonuma hem de kendi {phone} telefonuma aynı anda bağlamak
istiyorum. Kılavuzda çoklu bağlantıdan bahsediliyor ama uygulamada ayarı bulamadım.
~
{device}: satmadan önce fabrika ayarlarına sıfırlama

{device} cihazımı kardeşime vereceğim. Hesabımdan kaldırıp tamamen sıfırlamanın doğru yolu
nedir?
[tr questions.battery]
{fw} güncellemesinden sonra pil gece boyunca bitiyor

{fw} sürümüne güncelledikten sonra {buds} kapalı kutuda gece boyunca yaklaşık %{pct} pil
kaybediyor. Güncellemeden önce %5 bile değildi. Başka yaşayan var mı?
~
{buds}: sol kulaklık sağdan çok daha hızlı bitiyor

{buds} dört aylık. Sol kulaklık her seferinde sağdan bir saat önce bitiyor. Bu normal mi, yoksa
değişim mi istemeliyim?
~
Saat, ekran hep açıkken sadece {hours} saat dayanıyor

Ekran hep açık modunda {watch} için {hours} saat normal mi? Kutuda 5 güne kadar yazıyor ama bir
buçuk günü zor çıkarıyorum.
~
{buds} kutusu kablosuz şarj aletinde şarj olmuyor

{buds} kutusu USB-C ile sorunsuz şarj oluyor ama kablosuz şarj aletinde hiçbir tepki yok, ışık
bile yanmıyor. Belirli bir pozisyonda mı durması gerekiyor?
[tr questions.sync]
{watch}: adımlar dünden beri uygulamaya aktarılmıyor

{watch} 9.000 adım gösteriyor ama Lumio uygulaması dünkü verilerde takılı kaldı. Aşağı çekip
yenilemek işe yaramıyor. Telefon: {phone}, uygulama sürümü {app}.
~
{watch}: bazı gecelerin uyku verisi eksik

Bazı geceler uygulamada hiç görünmüyor. Saat kaydetmiş, bilekte uyku puanını görebiliyorum ama
telefona hiç gelmiyor.
~
{watch} cihazına bildirimler gelmiyor

Bu sabahtan beri telefon bildirimlerinin hiçbiri {watch} üzerinde görünmüyor. Aramalar hâlâ
geliyor. Telefonum {phone}.
[tr questions.firmware]
{fw} güncellemesi %0'da takılı kalıyor

Uygulama {fw} sürümünün hazır olduğunu söylüyor ama indirme %0'ı hiç geçmiyor. Cihaz şarjlı ve
telefonun hemen yanında.
~
{fw} sürümünden {prev_fw} sürümüne geri dönebilir miyim?

{fw} ile {buds} dokunmatik kontrolleri bozuldu, çift dokunma yarı yarıya çalışmıyor.
`{prev_fw}` sürümüne dönmenin bir yolu var mı?
~
Güncellemeden sonra {watch} kendi kendine yeniden başlıyor

Son güncellemeden beri {watch} günde iki üç kez, genelde antrenmanın ortasında yeniden
başlıyor. Pil iyi durumda. {fw} sürümünde bunu yaşayan var mı?
[tr fixes.setup]
Android'de bu neredeyse her zaman konum izninden kaynaklanıyor.
**Ayarlar → Uygulamalar → Lumio → İzinler** bölümünden konumu kurulum süresince
*Her zaman izin ver* yapın, sonra tekrar deneyin. Sonradan geri alabilirsiniz.
~
Cihazı tekrar eşleştirme moduna alın: ışık beyaz yanıp sönene kadar tuşa 10 saniye basılı
tutun, sonra telefonun Bluetooth listesinden **kaldırın** ve uygulamadan ekleyin. Önce
telefonun Bluetooth ayarlarından eşleştirmek uygulamanın kafasını karıştırıyor.
~
Çoklu bağlantı **Cihaz → Bağlantılar → İki cihaza bağlan** altında. Ayar ancak yazılım
güncellemesinden sonra görünüyor, önce güncelleyin.
~
Uygulamadaki cihaz menüsünde **Sıfırla** seçeneği var; hem cihazı siliyor hem de hesabınızdan
kaldırıyor. Sonra yeni sahibi sıfırdan kurabilir.
[tr fixes.battery]
*Kulaklığımı bul* arka plan taramasını kapatın (Cihaz → Bul). {fw} sürümünden beri radyoyu
uyanık tutuyor. Bende gece boyunca giden pil %4 civarına düştü.
~
Kutudaki ve kulaklıklardaki şarj temas noktalarını kuru bir pamuklu çubukla temizleyin. Bir
taraf tam oturmazsa kesik kesik şarj oluyor ve daha hızlı bitiyormuş gibi görünüyor.
~
Ekran hep açık, bileği kaldırınca uyanma ve sürekli nabız ölçümü en çok pil yiyen üçlü. Nabız
ölçümünü 10 dakikada bire çekin, üç güne yaklaşırsınız.
~
Kutu menteşe yukarı bakacak ve logo şarj pedinin ortasına gelecek şekilde durmalı. Bazı kalın
pedlerle hiç çalışmıyor, bozuk olduğunu düşünmeden önce başka bir ped deneyin.
[tr fixes.sync]
Uygulamadan çıkış yapıp tekrar giriş yapın. Senkronizasyon anahtarı yeniden indiriliyor ve
takılan her şey bir anda geliyor. {app} sürümünde bende işe yaradı.
~
Lumio uygulaması için pil optimizasyonunu kontrol edin; Android uygulamayı arka planda
kapatıyor ve senkronizasyon hiç çalışmıyor. *Kısıtlama yok* olarak ayarlayın.
~
Bazı telefon güncellemelerinden sonra bildirim erişimi geri alınıyor. Telefonun bildirim
erişimi ayarlarında Lumio'yu kapatıp açın, sonra saati yeniden başlatın.
[tr fixes.firmware]
İndirme sırasında uygulamayı ekran açıkken ön planda tutun ve pil tasarrufunu kapatın. Yavaş
ama tamamlanıyor, bende 15 dakika kadar sürdü.
~
Resmi bir geri dönüş yok ama seri numarasıyla destek talebi açarsanız {prev_fw} sürümünü
cihazınıza yükleyebiliyorlar. Bana iki gün içinde yaptılar.
~
Güncellemeden sonra tam sıfırlama yapın (Cihaz → Sıfırla, sonra tekrar eşleştirin). Yeniden
başlatmalar {fw} sürümüne düzgün taşınmayan eski ayarlardan kaynaklanıyor.
[tr suggest]
Hem telefonu hem de {device} cihazını yeniden başlatmayı denediniz mi? Basit görünüyor ama
sorunların yarısını çözüyor.
~
Uygulamanın hangi sürümünü kullanıyorsunuz? Ayarlar → Hakkında bölümüne bakın. Eski
sürümlerden birinde senkronizasyon hatası vardı.
~
Bende de aynı telefon var ({phone}), şimdiye kadar sorun yaşamadım. Cihazı silip yeniden
eklemeyi denediniz mi?
~
Günlükleri desteğe gönderin (Ayarlar → Yardım → Günlük gönder). Bana bir gün içinde dönüş
yaptılar.
~
Cihazı %100'e kadar şarj edip bir saat daha şarjda bekletin. Benimki ilk tam döngüye kadar
tuhaf davranıyordu.
[tr metoo]
{fw} sürümünden beri bende de aynısı var. Takipteyim.
~
{device} cihazımda birebir aynı sorun. Yalnız olmadığıma sevindim.
~
+1, ben de {phone} kullanıyorum.
~
Bende de oluyor ama birkaç günde bir.
[tr followup]
Teşekkürler, denedim ama maalesef değişen bir şey yok.
~
Uygulama {app} sürümünde, yani bildiğim kadarıyla en güncel.
~
Her şeyi yeniden başlattım, hâlâ aynı. Akşam sıfırlamayı deneyeceğim.
~
Günlükleri desteğe gönderdim, sonucu buraya yazarım.
[tr thanks]
@{solver} işe yaradı, çok teşekkürler! Çözüm olarak işaretliyorum.
~
Sorun buymuş, çok sağ ol @{solver}!
~
Bu kadar basit olduğuna inanamıyorum. Teşekkürler @{solver}.
[tr after]
Doğruluyorum, bende de düzeldi.
~
Bende de işe yaradı, paylaştığınız için teşekkürler.
~
Bunu bilmek iyi oldu, kaydettim.
~
Destek talebi açmaktan kurtardınız, teşekkürler.
~
Geçen ay aynı sorunu yaşamıştım, keşke bu konuyu o zaman görseydim.
[tr ideas.device]
Çift dokunma hareketini özelleştirebilelim

Şu an {buds} üzerinde çift dokunma sadece oynat/duraklat. Bunu kendim seçebilmek isterdim:
sonraki şarkı, sesli asistan ya da gürültü engelleme modları arasında geçiş.

Başka kim kullanır?
~
{watch} için yüzme modu

{watch} suya dayanıklı ama düzgün bir havuz yüzme takibi yok. Tur sayma ve kulaç algılama olsa
tek saatim bu olurdu.
~
Kulaklıkta düşük pil uyarısı

%10'da kısa bir sesli uyarı harika olurdu. Şu an görüşmenin ortasında birden kapanıyorlar.
[tr ideas.app]
Lumio uygulamasına karanlık mod

Uygulama gece çok parlak. Karanlık tema (ya da sistem ayarını takip etmesi) çok iyi olurdu.
~
Antrenmanları GPX olarak dışa aktarma

Koşularımı başka servislere yükleyebilmek için antrenmanlara GPX dışa aktarma eklenebilir mi?
~
Pil seviyeleri için ana ekran widget'ı

Kulaklık, kutu ve saatin pilini gösteren bir widget beni her sabah uygulamayı açmaktan
kurtarırdı.
[tr idea_replies]
+1, her gün kullanırdım.
~
Evet lütfen! Eski cihazımdan geçtikten sonra tek eksiğim bu.
~
Güzel fikir ama lütfen isteğe bağlı olsun, şimdiki davranışı seviyorum.
~
Uygulama bazında ayarlanabilse daha da iyi olur.
~
Beğendim. Bu konu birkaç ayda bir açılıyor, umarım sonunda listeye girer.
[tr idea_staff]
Fikir için teşekkürler! Ürün ekibine ilettik. Beğenmeye devam edin, bu kategoriyi gerçekten
takip ediyorlar.
~
Güzel haber: bu yol haritamızda. Henüz tarih yok ama paylaşabildiğimiz anda Duyurular'da
yazacağız.
[tr talk.audio]
Bir ay sonra {buds} hakkında izlenimlerim

Bir ay önce başka bir markadan geçtim. Kısaca: gürültü engelleme biraz daha zayıf ama ses daha
sıcak ve kulağa çok daha iyi oturuyor.

Siz hangi ekolayzır ayarlarını kullanıyorsunuz?
~
{buds} için en iyi podcast ekolayzır ayarı?

Varsayılan ayarda sesler biraz boğuk geliyor. Podcast ve sesli kitap için daha net bir ayar
bulan oldu mu?
~
{buds} spor salonunda kulakta duruyor mu?

Antrenman için {buds} almayı düşünüyorum. Koşarken ve ağırlık çalışırken yerinden çıkıyor mu?
[tr talk.wearables]
Saat kadranlarınızı paylaşın

Varsayılan kadrandan sıkıldım, adım halkası ve hava durumuyla kendiminkini yaptım. Sizinkileri
görelim!
~
{watch} koşu sırasında nabzı ne kadar doğru ölçüyor?

{watch} cihazımı üç koşuda göğüs bandıyla karşılaştırdım. Ortalama 2 atım farkla tutuyor,
sprintlerde birkaç saniye geriden geliyor. Sizin sonuçlarınız nasıl?
[tr talk.general]
Lumio koleksiyonunuzu paylaşın

İşe giderken **Buds Pro**, koşu için {watch}, mutfakta da bir Dot. Sizinki nasıl?
~
Yeni kullanıcılar için ipuçları

İlk Lumio cihazımı yeni aldım. İlk haftanızda bilmek isteyeceğiniz şeyler neler?
~
İstanbul'da Lumio kullanıcıları buluşması?

İstanbul'da yaşayan epey kullanıcı var gibi. Bir hafta sonu Kadıköy'de kahve içip cihazları
konuşsak nasıl olur?
[tr talk_replies]
Güzel yazı olmuş, emeğine sağlık.
~
Benim deneyimim de hemen hemen aynı.
~
İlginç, bende tam tersi oldu. Saatlerce sorunsuz kullanıyorum.
~
Ben *Net ses* ayarını kullanıyorum, bası iki kademe düşürdüm. Podcast için çok daha iyi.
~
Oturma tamamen kulak uçlarına bağlı. Küçükler oluyor gibi görünse de büyükleri deneyin.
~
Benimki bir yıldan fazladır sorunsuz çalışıyor, hiç şikâyetim yok.
~
Açıkçası uygulama bu yıl çok gelişti.
~
Aramıza hoş geldin! İlk iş otomatik güncellemeleri aç.
~
Ben de varım, haber verin!
[tr news.welcome]
Türkiye topluluğuna hoş geldiniz!

Merhaba! Burası Türkçe konuşan Lumio kullanıcılarının buluşma noktası. Soru sorun, ipuçlarınızı
paylaşın, fikirlerinizi yazın.

Lütfen kibar olun ve sipariş numaranızı ya da adresinizi herkese açık paylaşmayın. İyi
sohbetler!
[tr news.firmware]
{fw} yazılım güncellemesi yayında

**{fw}** yazılım güncellemesi önümüzdeki iki hafta içinde kademeli olarak dağıtılıyor.

Yenilikler:

- Bekleme modunda daha uzun pil ömrü
- Android telefonlarla daha hızlı eşleştirme
- Dokunmatik kontroller ve rastgele bağlantı kopmaları için düzeltmeler

Lumio uygulamasında **Cihaz → Yazılım** bölümünden güncelleyebilirsiniz. Nasıl gittiğini bize
yazın!
[tr news.app]
Lumio uygulaması {app} çıktı

Lumio uygulamasının {app} sürümü uygulama mağazalarında. Yenilenen ana ekran, daha hızlı
senkronizasyon ve yeni pil widget'ı geliyor. Geri bildirim gönderen herkese teşekkürler!
[tr news.event]
Ürün ekibiyle soru-cevap etkinliği

Gelecek perşembe saat 20:00'de ürün ekibimiz sorularınızı burada yanıtlayacak. Sorularınızı
şimdiden bu konuya yazabilirsiniz!
[tr news_replies]
Bilgilendirme için teşekkürler!
~
Güncellemeyi yükledim, eşleştirme gözle görülür şekilde hızlandı.
~
Bende hâlâ görünmüyor. Bölgeye göre mi dağıtılıyor?
~
Yeni widget'a bayıldım.
[tr news_staff]
Evet, dalgalar halinde dağıtılıyor. İki hafta içinde herkese ulaşmış olacak.
~
Geri bildiriminiz için teşekkürler, yazmaya devam edin!
[tr event_replies]
Bilgilendirme için teşekkürler!
~
Katılamayanlar için bir özet paylaşılacak mı?
~
Ekibe sorum: üç cihazla çoklu bağlantı planlanıyor mu?
~
Önceden haber verdiğiniz için sağ olun.
[tr greetings]
Herkese merhaba, burada olmak güzel!
~
İzmir'den selamlar! Uzun zamandır Buds kullanıyorum, bu ilk mesajım.
~
Türkçe bir bölüm açtığınız için teşekkürler, çok iyi olmuş.
[tr closers]
Şimdiden teşekkürler!
~
Yardımcı olursanız sevinirim.
[tr bios]
Koşu, kahve ve teknoloji.
~
İstanbul'dan selamlar. Podcast bağımlısı.
~
Her gün 10.000 adım hedefliyorum.
~
Yazılımcı, bisiklet sever.
~
Ankara'dan bir müzik tutkunu.
~
Çay demlenirken forum okuyorum.

[ru questions.setup]
{device} не появляется в приложении при сопряжении

Только что распаковал{a} {device}. Во время настройки приложение Lumio видит его секунду, а
потом он пропадает из списка. Bluetooth и геолокация включены, телефон — {phone}.

Что я делаю не так?
~
Первая настройка зависла на «Подготовка устройства»

Настройка нового {device} уже минут двадцать висит на экране *Подготовка устройства*. Дважды
перезапускал{a} приложение. Его можно закрыть или устройство превратится в кирпич?
~
Как подключить {buds} к двум телефонам одновременно?

Хочу, чтобы {buds} были подключены и к рабочему телефону, и к моему {phone}. В инструкции
упоминается multipoint, но в приложении такой настройки нет.
~
Сброс {device} до заводских настроек перед продажей

Отдаю {device} сестре. Как правильно всё стереть и отвязать устройство от моего аккаунта, чтобы
она настроила его с нуля?
[ru questions.battery]
После обновления {fw} батарея садится за ночь

После обновления прошивки до {fw} мои {buds} теряют около {pct}% за ночь, просто лёжа в
закрытом кейсе. До обновления было от силы 5%. У кого-нибудь ещё так?
~
{buds}: левый наушник разряжается быстрее правого

Моим {buds} четыре месяца. Левый наушник всегда садится примерно на час раньше правого. Это
нормально или стоит просить замену?
~
Часы живут всего {hours} часов с Always-On

{hours} часов для {watch} с постоянно включённым экраном — это нормально? На коробке написано
до 5 дней, а у меня еле-еле полтора дня.
~
Кейс {buds} не заряжается на беспроводной зарядке

Кейс от {buds} нормально заряжается по USB-C, а на беспроводной зарядке вообще ничего, даже
индикатор не загорается. Его нужно как-то по-особому класть?
[ru questions.sync]
{watch}: шаги не синхронизируются со вчерашнего дня

На {watch} 9000 шагов, а приложение Lumio застряло на вчерашних данных. Обновление свайпом вниз
не помогает. Телефон {phone}, версия приложения {app}.
~
{watch}: пропадают данные сна за некоторые ночи

Некоторые ночи вообще не появляются в приложении. Часы их записали (на запястье я вижу оценку
сна), но на телефон они так и не приходят.
~
Уведомления перестали приходить на {watch}

С утра ни одно уведомление с телефона не отображается на {watch}. Звонки при этом проходят.
Телефон — {phone}.
[ru questions.firmware]
Обновление до {fw} зависает на 0%

Приложение пишет, что доступна прошивка {fw}, но загрузка не двигается дальше 0%. Устройство
заряжено и лежит рядом с телефоном.
~
Можно ли откатиться с {fw} на {prev_fw}?

После {fw} на моих {buds} сломалось сенсорное управление: двойное касание срабатывает через
раз. Есть способ вернуться на `{prev_fw}`?
~
{watch} сам перезагружается после обновления

После последнего обновления {watch} перезагружается два-три раза в день, обычно посреди
тренировки. С батареей всё в порядке. У кого-то ещё такое на {fw}?
[ru fixes.setup]
На Android это почти всегда разрешение на геолокацию. Зайдите в
**Настройки → Приложения → Lumio → Разрешения** и на время настройки поставьте геолокацию
*Разрешить всегда*, потом попробуйте снова. После можно вернуть как было.
~
Переведите устройство в режим сопряжения: удерживайте кнопку 10 секунд, пока индикатор не
замигает белым, затем **удалите** его из списка Bluetooth на телефоне и добавьте через
приложение. Если сначала сопрячь через настройки телефона, приложение путается.
~
Multipoint спрятан в **Устройство → Подключения → Подключение к двум устройствам**. Пункт
появляется только после обновления прошивки, так что сначала обновитесь.
~
В меню устройства в приложении есть пункт **Сброс**: он стирает устройство и отвязывает его от
аккаунта. После этого новый владелец сможет настроить всё с нуля.
[ru fixes.battery]
Отключите фоновый поиск в *Найти наушники* (Устройство → Найти). Начиная с {fw} он не даёт
радиомодулю уснуть. У меня ночной расход упал примерно до 4%.
~
Протрите контакты зарядки в кейсе и на наушниках сухой ватной палочкой. Если одна сторона
садится неплотно, она заряжается урывками, и кажется, что разряжается быстрее.
~
Always-On, пробуждение поднятием руки и постоянный пульс — самое прожорливое сочетание.
Поставьте измерение пульса раз в 10 минут, и будет почти три дня.
~
Кейс нужно класть петлёй вверх, логотипом по центру зарядки. С некоторыми толстыми зарядками он
вообще не работает: попробуйте другую, прежде чем думать, что он сломан.
[ru fixes.sync]
Выйдите из аккаунта в приложении и войдите снова. Токен синхронизации скачается заново, и всё,
что застряло, придёт разом. Мне помогло на версии {app}.
~
Проверьте оптимизацию батареи для приложения Lumio: Android выгружает его в фоне, и
синхронизация не запускается. Поставьте *Без ограничений*.
~
После некоторых обновлений телефона доступ к уведомлениям отзывается. Зайдите в настройки
доступа к уведомлениям, выключите и включите Lumio, потом перезагрузите часы.
[ru fixes.firmware]
Держите приложение открытым с включённым экраном во время загрузки и отключите
энергосбережение. Медленно, но докачивается: у меня ушло минут 15.
~
Официального отката нет, но если открыть обращение в поддержку с серийным номером, они могут
прислать {prev_fw} на устройство. Мне сделали за два дня.
~
Сделайте полный сброс после обновления (Устройство → Сброс, затем заново выполните
сопряжение). Перезагрузки из-за старых настроек, которые криво переносятся на {fw}.
[ru suggest]
Пробовали перезагрузить и телефон, и {device}? Звучит банально, но половину таких проблем это
решает.
~
Какая у вас версия приложения? Посмотрите в Настройки → О приложении. В одной из старых сборок
был баг с синхронизацией.
~
У меня такой же телефон ({phone}), и пока никаких проблем. Может, удалить устройство и
добавить заново?
~
Отправьте логи в поддержку (Настройки → Помощь → Отправить логи). Мне ответили за день.
~
Зарядите до 100% и оставьте на зарядке ещё на час. Мои вели себя странно до первого полного
цикла.
[ru metoo]
То же самое после {fw}. Слежу за темой.
~
Точно такая же проблема с {device}. Значит, дело не только во мне.
~
+1, тоже {phone}.
~
У меня тоже бывает, но раз в несколько дней.
[ru followup]
Спасибо, попробовал{a}. К сожалению, ничего не изменилось.
~
Приложение версии {app}, то есть, насколько я понимаю, последней.
~
Перезагрузил{a} всё, без изменений. Вечером попробую сброс.
~
Отправил{a} логи в поддержку, отпишусь по результату.
[ru thanks]
@{solver} помогло, огромное спасибо! Отмечаю как решение.
~
Дело было именно в этом, спасибо, @{solver}!
~
Не верится, что всё так просто. Спасибо, @{solver}.
[ru after]
Подтверждаю, мне тоже помогло.
~
У меня тоже сработало, спасибо, что поделились.
~
Полезно знать, сохранил{a} в закладки.
~
Спасибо, сэкономили мне обращение в поддержку.
~
В прошлом месяце было то же самое, жаль, что не видел{a} эту тему раньше.
[ru ideas.device]
Дайте настроить двойное касание

Сейчас двойное касание на {buds} только ставит на паузу. Хотелось бы выбирать самому:
следующий трек, голосовой ассистент или переключение режимов шумоподавления.

Кто ещё бы этим пользовался?
~
Режим плавания для {watch}

У {watch} есть защита от воды, но нормального отслеживания плавания в бассейне нет. Подсчёт
бассейнов и определение стиля, и это были бы мои единственные часы.
~
Голосовое предупреждение о низком заряде

Короткое голосовое уведомление при 10% было бы очень кстати. Сейчас наушники просто выключаются
посреди звонка.
[ru ideas.app]
Тёмная тема в приложении Lumio

Ночью приложение слепит глаза. Тёмная тема (или хотя бы следование системной) была бы очень
кстати.
~
Экспорт тренировок в GPX

Добавьте, пожалуйста, экспорт тренировок в GPX, чтобы загружать пробежки в другие сервисы.
~
Виджет с уровнем заряда

Виджет на рабочий стол с зарядом наушников, кейса и часов, и не нужно будет каждое утро
открывать приложение.
[ru idea_replies]
+1, это нужно каждый день.
~
Да, пожалуйста! Это единственное, чего мне не хватает после перехода со старого устройства.
~
Хорошая идея, но пусть это можно будет отключить. Мне нравится, как сейчас.
~
Было бы ещё лучше, если бы это настраивалось для каждого приложения отдельно.
~
Поддерживаю. Эта тема всплывает каждые несколько месяцев, надеюсь, наконец попадёт в план.
[ru idea_staff]
Спасибо за идею! Передали команде продукта. Ставьте лайки: они действительно следят за этим
разделом.
~
Хорошие новости: это уже в планах. Сроков пока нет, но как только сможем рассказать больше,
напишем в «Объявлениях».
[ru talk.audio]
{buds} после месяца использования: впечатления

Месяц назад пересел{a} с другого бренда. Если коротко: шумоподавление чуть слабее, зато звук
теплее, и сидят в ушах намного удобнее.

Какие настройки эквалайзера используете?
~
Лучший пресет эквалайзера {buds} для подкастов?

На стандартном пресете голоса звучат немного бубняще. Кто-нибудь нашёл настройку почётче для
подкастов и аудиокниг?
~
Держатся ли {buds} в ушах на тренировке?

Думаю взять {buds} для зала. Не выпадают во время бега и тяжёлых упражнений?
[ru talk.wearables]
Покажите свои циферблаты

Надоел стандартный циферблат, сделал{a} свой с кольцом шагов и погодой. Делитесь своими!
~
Насколько точен пульс на {watch} во время бега?

Сравнил{a} {watch} с нагрудным датчиком на трёх пробежках. В среднем расхождение 2 удара, на
ускорениях отстаёт на пару секунд. А какие результаты у вас?
[ru talk.general]
Покажите свою коллекцию Lumio

**Buds Pro** для дороги, {watch} для бега и Dot на кухне. А что у вас?
~
Советы новичкам

Только что купил{a} первое устройство Lumio. Что бы вы хотели знать в первую неделю?
~
Как ведут себя часы на морозе?

Кто катается на лыжах с {watch}? Интересно, как держит батарея при минус двадцати.
[ru talk_replies]
Отличный обзор, спасибо, что нашли время.
~
У меня примерно так же.
~
Интересно, у меня всё наоборот. Часами работают без проблем.
~
Я использую пресет *Чёткий голос* и убавляю бас на два шага. Для подкастов намного лучше.
~
Посадка сильно зависит от амбушюр. Попробуйте большие, даже если маленькие вроде подходят.
~
Мои работают больше года, никаких нареканий.
~
Честно говоря, приложение в этом году стало намного лучше.
~
Добро пожаловать в клуб! Первым делом включите автообновления.
~
На морозе батарея садится быстрее, но день держит спокойно.
[ru news.welcome]
Добро пожаловать в русскоязычное сообщество!

Привет! Здесь общаются русскоязычные владельцы устройств Lumio. Задавайте вопросы, делитесь
советами и предлагайте идеи.

Пожалуйста, будьте вежливы и не публикуйте номер заказа или адрес в открытом доступе.
Приятного общения!
[ru news.firmware]
Начинается распространение прошивки {fw}

В течение двух недель постепенно распространяется прошивка **{fw}**.

Что нового:

- Дольше работа от батареи в режиме ожидания
- Быстрее сопряжение с телефонами на Android
- Исправлены сенсорное управление и случайные разрывы связи

Обновиться можно в приложении Lumio: **Устройство → Прошивка**. Расскажите, как всё прошло!
[ru news.app]
Вышло приложение Lumio {app}

Версия {app} приложения Lumio уже в магазинах приложений. Новый главный экран, более быстрая
синхронизация и виджет заряда. Спасибо всем, кто оставлял отзывы здесь!
[ru news.event]
Вопросы команде продукта

В следующий четверг в 19:00 по Москве сотрудники команды продукта ответят на ваши вопросы прямо
здесь. Оставляйте вопросы в этой теме заранее!
[ru news_replies]
Спасибо, что предупредили!
~
Поставил{a} обновление, сопряжение заметно быстрее.
~
У меня пока не пришло. Раздают по регионам?
~
Новый виджет — огонь.
[ru news_staff]
Да, обновление выходит волнами. В течение двух недель оно будет у всех.
~
Спасибо за отзыв, пишите ещё!
[ru event_replies]
Спасибо, что предупредили!
~
Будет ли запись или краткий пересказ для тех, кто не сможет прийти?
~
Вопрос команде: планируется ли подключение к трём устройствам одновременно?
~
Хорошо, что написали заранее.
[ru greetings]
Всем привет, рад{a} быть здесь!
~
Привет из Казани! Давно пользуюсь Buds, это мой первый пост.
~
Спасибо за русскоязычный раздел, очень кстати.
[ru closers]
Заранее спасибо!
~
Буду рад{a} любой помощи.
[ru bios]
Бегаю по утрам, слушаю подкасты.
~
Москва. Люблю гаджеты и хороший звук.
~
Велосипед, кофе и техника.
~
Программист, немного меломан.
~
Из Санкт-Петербурга, пробую все новинки.
~
Сплю мало, зато считаю шаги.
"""

NAMES = {
    "en": (
        "Alex Sam Jordan Emily Chris Priya Liam Olivia Noah Mia Ethan Grace Lucas Hannah Ryan "
        "Chloe Daniel Zoe Marcus Nina Tom Rachel Ben Leah Jake Sofia Omar Aisha Kevin Megan",
        "Carter Nguyen Patel Brooks Walsh Kim Turner Hughes Reyes Fischer Murphy Bennett Shaw "
        "Cole Dixon Ortiz Price Grant Hayes Lowe",
    ),
    "tr": (
        "Ayşe Mehmet Elif Emre Zeynep Burak Selin Can Deniz Gökhan Özge Çağla İbrahim Şule "
        "Uğur Büşra Kerem Merve Onur Ilgın Tolga Ece Serkan Gizem Barış Yağmur",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Arslan Doğan Koç Kurt Özdemir Aksoy "
        "Güneş Polat Taş Korkmaz Çetin Işık",
    ),
    "ru": (
        "Дмитрий Алексей Сергей Иван Никита Павел Артём Михаил Андрей Кирилл Максим Егор",
        "Анна Мария Екатерина Ольга Татьяна Юлия Наталья Ксения Елена Дарья Алина Полина",
        "Иванов Смирнов Кузнецов Попов Соколов Лебедев Козлов Новиков Морозов Волков Фёдоров "
        "Орлов Зайцев Белов Медведев Соловьёв Васильев Голубев",
    ),
}
NICKNAMES = (
    "budsfan gadgetgeek nightowl trailrunner bassline stepcounter audiophile podcastpal techmum "
    "commuter gymrat sleepyhead beatmaker runbuddy"
).split()
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
STAFF = (
    # username, role, display name, bio
    ("mira_lumio", "manager", "Mira Jensen",
     "Community manager at Lumio. Ask me anything about the forum."),
    ("deniz_mod", "moderator", "Deniz Arslan",
     "Moderator. I speak English, Türkçe and a bit of русский."),
)  # fmt: skip

_TITLED = ("questions.", "ideas.", "talk.", "news.")
_HEADER = re.compile(r"^\[(\w+) ([\w.]+)\]$")


def _paragraph(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if not text:
            text = line
        elif line.startswith("- "):
            text += "\n" + line
        else:
            text += " " + line
    return text


def _entry(lines: list[str], titled: bool) -> str | tuple[str, str]:
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    texts = [_paragraph(p) for p in paragraphs if p]
    if titled:
        return texts[0], "\n\n".join(texts[1:])
    return "\n\n".join(texts)


def parse_texts(source: str) -> dict[str, dict[str, list[Any]]]:
    """The TEXTS format -> {lang: {pool: [text or (title, body), ...]}}."""
    pools: dict[str, dict[str, list[Any]]] = {}
    lang = pool = ""
    lines: list[str] = []

    def finish() -> None:
        if pool and any(lines):
            pools[lang].setdefault(pool, []).append(_entry(lines, pool.startswith(_TITLED)))
        lines.clear()

    for raw in source.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header:
            finish()
            lang, pool = header.groups()
            pools.setdefault(lang, {})
        elif line == "~":
            finish()
        else:
            lines.append(line)
    finish()
    return pools


POOLS = parse_texts(TEXTS)


# --- Members and the crowd that writes


@dataclass(eq=False)
class Member:
    id: int
    username: str
    lang: str
    female: bool
    joined: datetime
    role: str = "member"
    last_active: datetime | None = None

    def seen(self, moment: datetime) -> None:
        if self.last_active is None or moment > self.last_active:
            self.last_active = moment


class Crowd:
    """Picks members with a long-tailed weight: a few write a lot, most now and then."""

    def __init__(self, members: list[Member], weights: list[float], rng: random.Random) -> None:
        self.rng = rng
        self.pools: dict[str, tuple[list[Member], list[float]]] = {}
        groups: dict[str, list[tuple[Member, float]]] = {}
        for member, weight in zip(members, weights, strict=True):
            groups.setdefault(member.lang, []).append((member, weight))
            groups.setdefault("all", []).append((member, weight))
        for name, group in groups.items():
            cumulative, total = [], 0.0
            for _, weight in group:
                total += weight
                cumulative.append(total)
            self.pools[name] = ([member for member, _ in group], cumulative)

    def pick(self, lang: str, moment: datetime, exclude: Iterable[Member] = ()) -> Member | None:
        """A member of the language (or "all") who had joined by `moment`."""
        members, cumulative = self.pools[lang]
        skip = set(exclude)
        total = cumulative[-1]
        for _ in range(12):
            index = bisect.bisect_left(cumulative, self.rng.random() * total)
            member = members[min(index, len(members) - 1)]
            if member.joined < moment and member not in skip:
                return member
        # Rare: the picks kept landing on newcomers. Take the most active one who fits.
        return next((m for m in members if m.joined < moment and m not in skip), None)


def _turkish_lower(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower()


def _ascii(text: str) -> str:
    return slugify(text, fallback="").replace("-", "")


def _username_candidate(rng: random.Random, lang: str, first: str, last: str) -> str:
    """A username in one of the usual styles; the registry makes it unique."""
    roll = rng.random()
    if lang == "tr" and roll < 0.3:
        return f"{_turkish_lower(first)}_{_turkish_lower(last)}"
    if lang == "ru" and roll < 0.12:
        return f"{first}{rng.randint(80, 99)}"
    first_a, last_a = _ascii(first), _ascii(last)
    roll = rng.random()
    if roll < 0.25:
        return f"{first_a}{last_a}"
    if roll < 0.5:
        return f"{first_a}_{last_a[0]}"
    if roll < 0.7:
        return f"{first_a}{rng.randint(2, 99)}"
    if roll < 0.85:
        return f"{first_a[0]}{last_a}"
    return f"{rng.choice(NICKNAMES)}{rng.randint(1, 999)}"


@dataclass
class Identity:
    username: str
    email: str
    display_name: str
    female: bool


class Registry:
    """Usernames and e-mail addresses in use (the database's and ours), kept unique."""

    def __init__(self, username_keys: set[str], email_keys: set[str]) -> None:
        self.username_keys = username_keys
        self.email_keys = email_keys
        # fold(username) -> username, for linking @mentions as the service does.
        self.known: dict[str, str] = {}

    def username(self, rng: random.Random, wanted: str) -> str:
        name = wanted[:20]
        while len(name) < 3 or fold(name) in self.username_keys:
            name = f"{wanted[:16]}{rng.randint(1, 9999)}"
        self.username_keys.add(fold(name))
        self.known[fold(name)] = name
        return name

    def email(self, rng: random.Random, username: str) -> str:
        local = slugify(username, fallback="member").replace("-", ".")
        domain = rng.choice(EMAIL_DOMAINS)
        email = f"{local}@{domain}"
        while email.casefold() in self.email_keys:
            email = f"{local}{rng.randint(1, 9999)}@{domain}"
        self.email_keys.add(email.casefold())
        return email


def _identity(rng: random.Random, registry: Registry, lang: str) -> Identity:
    if lang == "ru":
        male, female_names, lasts = (part.split() for part in NAMES["ru"])
        female = rng.random() < 0.45
        first = rng.choice(female_names if female else male)
        last = rng.choice(lasts) + ("а" if female else "")
    else:
        firsts, lasts = (part.split() for part in NAMES[lang])
        first, last, female = rng.choice(firsts), rng.choice(lasts), False
    username = registry.username(rng, _username_candidate(rng, lang, first, last))
    roll = rng.random()
    display = f"{first} {last}" if roll < 0.7 else f"{first} {last[0]}." if roll < 0.85 else ""
    return Identity(username, registry.email(rng, username), display, female)


# --- Time


def _version_at(releases: tuple[tuple[str, int], ...], now: datetime, moment: datetime):
    """(current, previous) release at `moment`."""
    current = previous = releases[0][0]
    for version, days in releases:
        if now - timedelta(days=days) <= moment:
            current, previous = version, current
    return current, previous


def _reply_times(
    rng: random.Random, start: datetime, now: datetime, replies: int
) -> list[datetime]:
    """The opening post's time, then each reply's: strictly increasing and before `now`."""
    gaps = []
    for index in range(replies):
        mean = 3 * 3600 if index == 0 else 7 * 3600
        gap = 60 + rng.expovariate(1 / mean)
        if rng.random() < 0.04:  # the thread comes back to life days later
            gap += rng.expovariate(1 / (8 * 86400))
        gaps.append(gap)
    room = (now - start).total_seconds() - 60 - replies
    total = sum(gaps)
    if total > room:
        gaps = [max(1.0, gap * room / total) for gap in gaps]
    times, moment = [start], start
    for gap in gaps:
        moment += timedelta(seconds=gap)
        times.append(moment)
    return times


# --- Plans: which threads to write, decided before any row is


@dataclass
class Plan:
    kind: str  # the category kind: announcements, support, ideas or discussion
    lang: str
    route: str  # which category (see CATEGORIES; "general" is the existing General)
    template: tuple[str, str]
    start: datetime
    replies: int
    topic: str = ""
    index: int = 0  # the template's place in its pool: a question's fix has the same place
    staff_author: bool = False
    pinned: bool = False
    greeting: bool = False
    long: bool = False  # a long-running thread: MAX_REPLIES does not apply


def long_threads(scale: int) -> int:
    """How many long-running threads a community of `scale` posts has."""
    if scale < LONG_THREAD_SCALE:
        return 0
    return max(1, min(LONG_MAX, scale // LONG_EVERY))


def _lognormal_count(rng: random.Random, mu: float, sigma: float) -> int:
    return int(rng.lognormvariate(mu, sigma))


def _announcement_specs(now: datetime) -> list[tuple[str, str, datetime | None]]:
    """(what, lang, when) in priority order: small communities get the first few."""
    start = now - WINDOW
    specs: list[tuple[str, str, datetime | None]] = [
        ("welcome", lang, start + timedelta(hours=10 + 3 * i)) for i, lang in enumerate(LANGS)
    ]
    releases = [("firmware", v, d) for v, d in FIRMWARE if d < WINDOW.days] + [
        ("app", v, d) for v, d in APP_RELEASES if d < WINDOW.days
    ]
    releases.sort(key=lambda release: release[2])  # newest first
    for index, (what, _, days) in enumerate(releases):
        for lang in LANGS:
            specs.append((what, lang, now - timedelta(days=days) + timedelta(hours=2 + index % 5)))
        if index == 1:
            specs.extend(("event", lang, None) for lang in LANGS)
        if index == 3:
            specs.append(("maintenance", "en", None))
    return specs


def make_plans(rng: random.Random, scale: int, now: datetime) -> list[Plan]:
    """Threads (kind, language, template, start, reply count) adding up to `scale` posts."""
    budget = scale
    plans: list[Plan] = []
    window_start = now - WINDOW

    def add(plan: Plan) -> None:
        nonlocal budget
        most = plan.replies if plan.long else MAX_REPLIES
        plan.replies = max(0, min(plan.replies, most, budget - 1))
        latest = now - timedelta(minutes=10 * plan.replies + 30)
        plan.start = min(plan.start, latest)
        budget -= plan.replies + 1
        plans.append(plan)

    for what, lang, when in _announcement_specs(now)[: max(4, min(40, round(scale / 150)))]:
        if budget <= 0:
            break
        moment = when or window_start + WINDOW * rng.uniform(0.1, 0.95)
        if what == "welcome":
            replies = _lognormal_count(rng, 2.3, 0.6)
            route = "news" if lang == "en" else lang
        else:
            replies = _lognormal_count(rng, 1.9, 0.8)
            route = "releases" if what in ("firmware", "app") else "news"
        replies = min(replies, scale // 10)  # members' threads are the bulk of a community
        template = POOLS[lang][f"news.{what}"][0]
        welcome = what == "welcome"
        add(
            Plan("announcements", lang, route, template, moment, replies, topic=what,
                 staff_author=True, pinned=welcome, greeting=welcome)
        )  # fmt: skip
        # Keep room for members' threads in a small community.
        if budget < scale * 0.7 and len(plans) >= 4:
            break

    # Long-running threads where everyone chips in ("Post your Lumio collection", "Tips for new
    # owners"), opened early in the window; at the smallest scale that has one, it is about
    # half of the posts.
    for number in range(long_threads(scale)):
        lang = LANGS[number % len(LANGS)]
        index = number // len(LANGS) % 2
        posts = max(LONG_POSTS[0], min(rng.randint(*LONG_POSTS), scale // 2))
        start = window_start + WINDOW * rng.uniform(0.01, 0.12)
        template = POOLS[lang]["talk.general"][index]
        route = "general" if lang == "en" else lang
        add(
            Plan("discussion", lang, route, template, start, posts - 1, topic="general",
                 index=index, long=True)
        )  # fmt: skip

    kinds = list(KIND_WEIGHTS)
    kind_weights = list(KIND_WEIGHTS.values())
    # Deal templates from shuffled decks, so titles repeat only once a deck has run out.
    decks: dict[str, list[int]] = {}
    count = 0
    while budget > 0:
        lang = LANGS[count] if count < len(LANGS) else rng.choices(LANGS, LANG_WEIGHTS)[0]
        kind = "support" if count < len(LANGS) else rng.choices(kinds, kind_weights)[0]
        count += 1
        prefix = {"support": "questions.", "ideas": "ideas.", "discussion": "talk."}[kind]
        topics = [key for key in POOLS[lang] if key.startswith(prefix)]
        topic_key = rng.choice(topics)
        topic = topic_key.removeprefix(prefix)
        deck = decks.setdefault(f"{lang} {topic_key}", [])
        if not deck:
            deck.extend(range(len(POOLS[lang][topic_key])))
            rng.shuffle(deck)
        index = deck.pop()
        template = POOLS[lang][topic_key][index]
        route = topic
        if kind == "discussion" and lang != "en" and rng.random() < 0.5:
            route = lang
        replies = _lognormal_count(rng, *REPLIES[kind])
        start = now - WINDOW * rng.random() ** 1.3
        add(Plan(kind, lang, route, template, start, replies, topic=topic, index=index))
    plans.sort(key=lambda plan: plan.start)
    return plans


# --- Writing one thread


@dataclass
class Written:
    author: Member
    own: str  # what the author wrote, without a quote
    body: str
    html: str


@lru_cache(maxsize=1 << 17)
def _render(body: str, mentions: tuple[str, ...]) -> str:
    return markup.render(body, mentions=mentions)


@lru_cache(maxsize=1 << 14)
def _slug(title: str) -> str:
    return thread_slug(title)


@lru_cache(maxsize=1 << 16)
def _words_tags(text: str) -> tuple[str, ...]:
    """The tags whose words the text uses, in TAG_WORDS order."""
    lowered = text.lower()
    return tuple(slug for slug, words in TAG_WORDS if words.search(lowered))


# Names markdown and bleach treat like any other word (no "_" at either end, no "-"), so one
# may stand in for another in a rendered post.
_PLAIN_NAME = re.compile(r"[^\W_](?:\w*[^\W_])?")
_NAME_GOES_ON = re.compile(r"[\w-]")


def render_post(body: str, known: dict[str, str]) -> str:
    """What the service's _render stores for `body`: only existing members' @names become
    links (`known` maps fold(username) to the username).

    Posts differ mostly in the names they mention, so each shape of post (its names replaced
    by placeholders) is rendered once and the names are put back into the HTML: a million
    posts need about six thousand renders (a millisecond each) instead of a hundred thousand.
    A name markdown might read otherwise (see _PLAIN_NAME) is rendered as it is."""
    names: dict[str, str] = {}  # username -> its placeholder
    plain = True

    def swap(match: re.Match[str]) -> str:
        nonlocal plain
        name = known.get(fold(match.group(1)))
        if name is None:
            return match.group(0)
        if not _PLAIN_NAME.fullmatch(name) or _NAME_GOES_ON.match(body, match.end()):
            plain = False
        return "@" + names.setdefault(name, f"zqname{len(names)}zq")

    shape = markup.MENTION.sub(swap, body)
    if not names:
        return _render(body, ())
    if not plain:
        return _render(body, tuple(sorted(names)))
    html = _render(shape, tuple(names.values()))
    for name, placeholder in names.items():
        html = html.replace(placeholder, name)
    return html


@dataclass
class Totals:
    threads: int = 0
    posts: int = 0
    likes: int = 0
    solutions: int = 0
    tagged: int = 0
    long: list[int] = field(default_factory=list)  # the long threads' post counts
    languages: Counter = field(default_factory=Counter)


# An activity-log entry: (created_at, kind, actor_id, data as JSON).
EventRow = tuple[datetime, str, int, str]
_MOMENT = itemgetter(0)


def _event(moment: datetime, kind: str, actor: int, **data: int) -> EventRow:
    """A row of the activity log. Its data, a few ids, is written as JSON directly: a third of
    the time json.dumps takes, for two million events."""
    pairs = ",".join(f'"{key}":{value}' for key, value in data.items())
    return moment, kind, actor, "{" + pairs + "}"


@dataclass
class Batch:
    threads: list[tuple]
    posts: list[tuple]
    likes: list[tuple]
    thread_tags: list[tuple]
    events: list[EventRow]
    ideas: list[tuple]
    idea_votes: list[tuple]
    idea_statuses: list[tuple]


class Writer:
    """Turns plans into rows (tuples in the column order of Sink's tables), buffered for bulk
    inserts."""

    def __init__(
        self, rng: random.Random, now: datetime, crowd: Crowd, staff: list[Member],
        registry: Registry, categories: dict[str, Category], tags: dict[str, tuple[int, str]],
        ids: dict[str, int],
    ) -> None:  # fmt: skip
        self.rng, self.now, self.crowd, self.staff = rng, now, crowd, staff
        self.registry, self.categories, self.tags = registry, categories, tags
        self.next_thread, self.next_post = ids["thread"], ids["post"]
        self.threads: list[tuple] = []
        self.posts: list[tuple] = []
        self.likes: list[tuple] = []
        self.thread_tags: list[tuple] = []
        self.ideas: list[tuple] = []
        self.idea_votes: list[tuple] = []
        self.idea_statuses: list[tuple] = []
        # Every action, for the activity log; written in time order as batches are taken.
        self.events: list[EventRow] = []
        self.totals = Totals()
        self.category_counts: Counter = Counter()
        self.category_posts: Counter = Counter()
        self.tag_counts: Counter = Counter()

    def fill(self, template: str, slots: dict[str, Any], author: Member, **extra: Any) -> str:
        return template.format_map({**slots, "a": "а" if author.female else "", **extra})

    def choose(self, lang: str, pool: str, used: set[str]) -> str:
        options = POOLS[lang][pool]
        text = self.rng.choice(options)
        for _ in range(3):
            if text not in used:
                break
            text = self.rng.choice(options)
        used.add(text)
        return text

    def slots(self, plan: Plan) -> dict[str, Any]:
        rng = self.rng
        fw, prev_fw = _version_at(FIRMWARE, self.now, plan.start)
        app, _ = _version_at(APP_RELEASES, self.now, plan.start)
        slots = {
            "device": rng.choice(DEVICES), "buds": rng.choice(BUDS), "watch": rng.choice(WATCHES),
            "phone": rng.choice(PHONES), "hours": rng.choice(HOURS), "pct": rng.choice(PERCENTS),
            "fw": fw, "prev_fw": prev_fw, "app": app,
        }  # fmt: skip
        # Replies that name "the device" mean the one the thread is about.
        text = "".join(plan.template)
        if "{buds}" in text or plan.topic == "audio":
            slots["device"] = slots["buds"]
        elif "{watch}" in text or plan.topic in ("sync", "wearables"):
            slots["device"] = slots["watch"]
        return slots

    def write(self, plan: Plan) -> None:
        rng, lang = self.rng, plan.lang
        slots = self.slots(plan)
        times = _reply_times(rng, plan.start, self.now, plan.replies)
        manager = self.staff[0]
        opener = manager if plan.staff_author else self.crowd.pick(lang, times[0]) or manager
        title_template, body_template = plan.template
        title = self.fill(title_template, slots, opener)[:150]
        body = self.fill(body_template, slots, opener)
        if plan.kind == "support" and rng.random() < 0.35:
            body += "\n\n" + self.fill(self.choose(lang, "closers", set()), slots, opener)
        tags = self.tags_for(plan, title, body)
        written = [Written(opener, body, body, self.html(body))]
        used: set[str] = set()
        solution = 0  # the solution's post number
        if plan.kind == "support" and plan.replies and rng.random() < 0.65:
            solution = rng.randint(2, min(plan.replies, 4) + 1)
        staff_at = 0  # where the team answers an idea
        if plan.kind == "ideas" and plan.replies >= 2 and rng.random() < 0.3:
            staff_at = rng.randint(2, plan.replies + 1)
        for number in range(2, plan.replies + 2):
            moment = times[number - 1]
            author, pool, text = self.reply(plan, number, moment, written, solution, staff_at)
            if plan.long:  # thousands of members, each with their own devices and phone
                slots = self.slots(plan)
            extra = {}
            if pool == "thanks":
                extra["solver"] = written[solution - 1].author.username
            own = self.fill(text or self.choose(lang, pool, used), slots, author, **extra)
            body, html = self.decorate(own, author, written, pool)
            written.append(Written(author, own, body, html))
        self.store(plan, title, tags, written, times, solution)

    def reply(
        self, plan: Plan, number: int, moment: datetime, written: list[Written], solution: int,
        staff_at: int,
    ) -> tuple[Member, str, str]:  # fmt: skip
        """Who writes post `number`, and from which pool (or the exact text, for a fix)."""
        rng, lang, crowd = self.rng, plan.lang, self.crowd
        manager, moderator = self.staff
        opener, previous = written[0].author, written[-1].author
        author: Member | None = None
        text = ""
        if plan.kind == "support":
            if number == solution:
                if rng.random() < 0.15:
                    author = moderator
                fixes = POOLS[lang][f"fixes.{plan.topic}"]
                pool, text = "", fixes[plan.index % len(fixes)]
            elif solution and number == solution + 1:
                author, pool = opener, "thanks"
            elif solution and number > solution:
                pool = rng.choices(("after", "metoo", "suggest"), (0.5, 0.25, 0.25))[0]
            elif number > 2 and previous is not opener and rng.random() < 0.25:
                author, pool = opener, "followup"
            else:
                pool = "suggest" if rng.random() < 0.65 else "metoo"
            exclude: tuple[Member, ...] = (opener, previous)
        elif plan.kind == "ideas":
            if number == staff_at:
                author, pool = rng.choice(self.staff), "idea_staff"
            else:
                pool = "idea_replies"
            exclude = (opener, previous)
        elif plan.kind == "announcements":
            if plan.greeting:
                pool = "greetings"
            elif plan.topic in ("event", "maintenance"):
                pool = "event_replies"
            elif number > 2 and previous is not manager and rng.random() < 0.15:
                author, pool = rng.choice(self.staff), "news_staff"
            else:
                pool = "news_replies"
            exclude = (previous,)
        else:
            pool, exclude = "talk_replies", (previous,)
        if author is None:
            author = crowd.pick(lang, moment, exclude) or moderator
        return author, pool, text

    def decorate(
        self, own: str, author: Member, written: list[Written], pool: str
    ) -> tuple[str, str]:
        """Now and then quote an earlier post, or address someone by @name: (body, its HTML)."""
        if own.startswith("@") or pool in ("greetings", "thanks"):
            return own, self.html(own)
        others = [w for w in written[-4:] if w.author is not author]
        if not others:
            return own, self.html(own)
        roll = self.rng.random()
        # Quote something worth quoting: the question, or a longer reply.
        quotable = [w for w in [written[0], *others] if len(w.own) > 80 and w.author is not author]
        if roll < 0.07 and quotable:
            quoted = self.rng.choice(quotable)
            quote = markup.quote(quoted.author.username, quoted.own.split("\n\n")[0])
            # The quote and the reply are blocks of their own: the HTML is theirs, joined.
            return quote + own, self.html(quote) + "\n" + self.html(own)
        if roll < 0.17:
            body = f"@{self.rng.choice(others).author.username} {own}"
            return body, self.html(body)
        return own, self.html(own)

    def html(self, body: str) -> str:
        return render_post(body, self.registry.known)

    def tags_for(self, plan: Plan, title: str, body: str) -> list[str]:
        """Up to three fitting tags (slugs), the most fitting first; some threads go untagged,
        and the team tags its announcements by topic only."""
        rng = self.rng
        if rng.random() < 0.15:
            return []
        found = [TOPIC_TAGS[plan.topic]] if plan.topic in TOPIC_TAGS else []
        if plan.kind != "announcements":
            found += [slug for slug in _words_tags(f"{title}\n{body}") if slug not in found]
        return found[: rng.choice((1, 2, 2, 3, 3))]

    def likes_for(self, plan: Plan, number: int, solution: int) -> int:
        rng = self.rng
        if number == 1:
            mu = {"ideas": 1.5, "announcements": 1.8, "support": 0.0, "discussion": 0.7}[plan.kind]
            return _lognormal_count(rng, mu, 0.8)
        if number == solution:
            return 1 + _lognormal_count(rng, 0.6, 0.8)
        return 1 + int(rng.expovariate(1.0)) if rng.random() < 0.35 else 0

    def store(
        self, plan: Plan, title: str, tags: list[str], written: list[Written],
        times: list[datetime], solution: int,
    ) -> None:  # fmt: skip
        rng, now, pick = self.rng, self.now, self.crowd.pick
        events, likes, posts = self.events, self.likes, self.posts
        category_id = self.categories[plan.route].id
        thread_id = self.next_thread
        self.next_thread += 1
        thread_likes = 0
        solution_post_id = None
        for number, (item, moment) in enumerate(zip(written, times, strict=True), start=1):
            post_id = self.next_post
            self.next_post += 1
            author = item.author
            if number == solution:
                solution_post_id = post_id
            author.seen(moment)
            likers: set[Member] = set()
            for _ in range(self.likes_for(plan, number, solution)):
                pool = "all" if rng.random() < 0.15 else plan.lang
                liker = pick(pool, moment, likers | {author})
                if liker is None:
                    break
                likers.add(liker)
                delay = timedelta(seconds=rng.expovariate(1 / 86400))
                liked_at = min(now, moment + timedelta(seconds=30) + delay)
                liker.seen(liked_at)
                likes.append((post_id, liker.id, liked_at))
                events.append(
                    _event(liked_at, "LikeGiven", liker.id, post_id=post_id, author_id=author.id)
                )
            if number == 1:
                events.append(_event(moment, "ThreadCreated", author.id, thread_id=thread_id,
                                     post_id=post_id, category_id=category_id))  # fmt: skip
            else:
                events.append(_event(moment, "PostCreated", author.id, post_id=post_id,
                                     thread_id=thread_id, number=number))  # fmt: skip
            thread_likes += len(likers)
            posts.append((post_id, thread_id, number, author.id, item.body, item.html, moment,
                          len(likers)))  # fmt: skip
        count = len(written)
        asker = written[0].author
        if solution:
            accepted_at = min(now, times[solution - 1] + timedelta(hours=rng.uniform(1, 48)))
            events.append(_event(accepted_at, "SolutionAccepted", asker.id, thread_id=thread_id,
                                 post_id=solution_post_id,
                                 author_id=written[solution - 1].author.id))  # fmt: skip
        answers = [(item.author, moment) for item, moment in zip(written, times, strict=True)]
        first_reply = next((m for a, m in answers[1:] if a is not asker), None)
        first_staff = next(
            (m for a, m in answers[1:] if a is not asker and a.role != "member"), None
        )
        # A thread lists its tags as tagging.write does: by name, then id.
        tags = sorted(tags, key=lambda slug: self.tags[slug][::-1])
        for slug in tags:
            self.thread_tags.append((thread_id, self.tags[slug][0], times[-1]))
            self.tag_counts[slug] += 1
        self.threads.append((
            thread_id, category_id, asker.id, title, _slug(title), times[0], times[-1],
            written[-1].author.id, count, count - 1, thread_likes,
            int(count * rng.uniform(6, 25) + thread_likes * 3 + rng.randint(5, 60)), plan.pinned,
            solution_post_id, solution or None, first_reply, first_staff, " ".join(tags),
        ))  # fmt: skip
        if self.categories[plan.route].kind == "ideas":
            self.idea(plan, thread_id, category_id, written, times)
        self.category_counts[category_id] += 1
        self.category_posts[category_id] += count
        totals = self.totals
        totals.threads += 1
        totals.posts += count
        totals.likes += thread_likes
        totals.solutions += bool(solution)
        totals.tagged += bool(tags)
        totals.languages[plan.lang] += 1
        if plan.long:
            totals.long.append(count)

    def idea(
        self, plan: Plan, thread_id: int, category_id: int, written: list[Written],
        times: list[datetime],
    ) -> None:  # fmt: skip
        """The idea's row, as the service keeps it: members' votes over the days after it was
        posted, and where the team answered it, the status it gave then ("thanks, passed on"
        or "on our roadmap")."""
        rng, now = self.rng, self.now
        author = written[0].author
        voters: set[Member] = set()
        for _ in range(_lognormal_count(rng, 1.6, 1.0)):
            pool = "all" if rng.random() < 0.15 else plan.lang
            voted_at = min(now, times[0] + timedelta(seconds=60 + rng.expovariate(1 / 259200)))
            voter = self.crowd.pick(pool, voted_at, voters | {author})
            if voter is None:
                break
            voters.add(voter)
            voter.seen(voted_at)
            self.idea_votes.append((thread_id, voter.id, voted_at))
        status, status_at = "", None
        staff = next(
            ((item.author, moment) for item, moment in zip(written[1:], times[1:], strict=True)
             if item.author.role != "member"), None,
        )  # fmt: skip
        if staff is not None:
            actor, status_at = staff
            status = rng.choice(("under_review", "planned"))
            self.idea_statuses.append((thread_id, status, actor.id, status_at))
        self.ideas.append((thread_id, category_id, len(voters), status, status_at))

    def take(self, watermark: datetime | None) -> Batch:
        """The rows written so far, and of the events those before `watermark`: threads are
        written in the order they start, so every event still to come is at or after the
        next thread's start, and the log can be written oldest first batch by batch."""
        events = self.events
        events.sort(key=_MOMENT)  # stable: equal moments keep the order they happened in
        cut = (
            len(events) if watermark is None else bisect.bisect_left(events, watermark, key=_MOMENT)
        )
        batch = Batch(
            self.threads, self.posts, self.likes, self.thread_tags, events[:cut], self.ideas,
            self.idea_votes, self.idea_statuses,
        )  # fmt: skip
        self.events = events[cut:]
        self.threads, self.posts, self.likes, self.thread_tags = [], [], [], []
        self.ideas, self.idea_votes, self.idea_statuses = [], [], []
        return batch


# --- Writing rows


class Table:
    """Raw multi-row INSERTs into one model's table, many times faster than model instances:
    each row gives `columns`, and every other column gets its field's default, as Model(...)
    would write it (so a column added later needs nothing here)."""

    def __init__(self, model: type[Model], columns: tuple[str, ...], dialect: str) -> None:
        meta = model._meta
        defaults: dict[str, Any] = {}
        for name, column in meta.fields_db_projection.items():
            item = meta.fields_map[name]
            if column in columns or (item.pk and item.generated):
                continue
            default = item.default() if callable(item.default) else item.default
            if default is None and not item.null:
                raise ValueError(f"{meta.db_table}.{column} needs a value")
            defaults[column] = None if default is None else item.to_db_value(default, model)
        names = ", ".join(f'"{name}"' for name in (*columns, *defaults))
        count = len(columns) + len(defaults)
        marks = ", ".join(
            "?" * count if dialect == "sqlite" else (f"${n + 1}" for n in range(count))
        )
        self.sql = f'INSERT INTO "{meta.db_table}" ({names}) VALUES ({marks})'
        self.defaults = tuple(defaults.values())

    def rows(self, rows: list[tuple]) -> list[tuple]:
        if not self.defaults:
            return rows
        defaults = self.defaults
        return [row + defaults for row in rows]


USER_COLUMNS = (
    "id", "username", "username_key", "email", "email_key", "password_hash", "role",
    "display_name", "bio", "bio_html", "created_at",
)  # fmt: skip
THREAD_COLUMNS = (
    "id", "category_id", "author_id", "title", "slug", "created_at", "last_posted_at",
    "last_poster_id", "post_count", "reply_count", "like_count", "view_count", "pinned",
    "solution_post_id", "solution_number", "first_reply_at", "first_staff_reply_at", "tags",
)  # fmt: skip
POST_COLUMNS = (
    "id", "thread_id", "number", "author_id", "body", "html", "created_at", "like_count",
)  # fmt: skip
LIKE_COLUMNS = ("post_id", "user_id", "created_at")
THREAD_TAG_COLUMNS = ("thread_id", "tag_id", "last_posted_at")
EVENT_COLUMNS = ("created_at", "kind", "actor_id", "data")
WATCH_COLUMNS = ("user_id", "level")
IDEA_COLUMNS = ("id", "category_id", "vote_count", "status", "status_at")
IDEA_VOTE_COLUMNS = ("idea_id", "user_id", "created_at")
IDEA_STATUS_COLUMNS = ("idea_id", "status", "actor_id", "created_at")


class Sink:
    """Writes rows through the transaction's connection."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        dialect = connection.capabilities.dialect
        self.dialect = dialect
        self.users = Table(User, USER_COLUMNS, dialect)
        self.threads = Table(Thread, THREAD_COLUMNS, dialect)
        self.posts = Table(Post, POST_COLUMNS, dialect)
        self.likes = Table(Like, LIKE_COLUMNS, dialect)
        self.thread_tags = Table(ThreadTag, THREAD_TAG_COLUMNS, dialect)
        self.events = Table(Event, EVENT_COLUMNS, dialect)
        self.category_watches = Table(CategoryWatch, ("category_id", *WATCH_COLUMNS), dialect)
        self.tag_watches = Table(TagWatch, ("tag_id", *WATCH_COLUMNS), dialect)
        self.ideas = Table(Idea, IDEA_COLUMNS, dialect)
        self.idea_votes = Table(IdeaVote, IDEA_VOTE_COLUMNS, dialect)
        self.idea_statuses = Table(IdeaStatusChange, IDEA_STATUS_COLUMNS, dialect)

    async def insert(self, table: Table, rows: list[tuple]) -> None:
        if rows:
            await self.connection.execute_many(table.sql, table.rows(rows))

    async def write(self, batch: Batch) -> None:
        """Parents before children."""
        await self.insert(self.threads, batch.threads)
        await self.insert(self.posts, batch.posts)
        await self.insert(self.likes, batch.likes)
        await self.insert(self.thread_tags, batch.thread_tags)
        await self.insert(self.events, batch.events)
        await self.insert(self.ideas, batch.ideas)
        await self.insert(self.idea_votes, batch.idea_votes)
        await self.insert(self.idea_statuses, batch.idea_statuses)

    async def last_seen(self, moments: list[tuple[datetime, int]]) -> None:
        first, second = ("?", "?") if self.dialect == "sqlite" else ("$1", "$2")
        await self.connection.execute_many(
            f'UPDATE "users" SET "last_seen_at" = {first} WHERE "id" = {second}', moments
        )


# --- The command


async def _has_content() -> tuple[int, int]:
    return await User.all().count(), await Thread.all().count()


async def _next_id(model: type) -> int:
    last = await model.all().order_by("-id").limit(1).values_list("id", flat=True)
    return (last[0] if last else 0) + 1


async def _categories() -> tuple[dict[str, Category], int]:
    """Route -> category, creating the demo categories that do not exist yet."""
    routes: dict[str, Category] = {}
    general = await Category.filter(slug="general").first()
    if general is None:
        general = await Category.create(
            name="General", slug="general", kind="discussion",
            description="Anything about the brand and its products.",
        )  # fmt: skip
    routes["general"] = general
    last = await Category.all().order_by("-position").first()
    position = (last.position + 1) if last else 0
    created = 0
    for name, description, colour, kind, start_role, route in CATEGORIES:
        slug = slugify(name, max_length=60)
        category = await Category.filter(slug=slug).first()
        if category is None:
            category = await Category.create(
                name=name, slug=slug, description=description, colour=colour, kind=kind,
                start_role=start_role, position=position,
            )  # fmt: skip
            position += 1
            created += 1
        routes[route] = category
    return routes, created


async def _tags() -> tuple[dict[str, tuple[int, str]], int]:
    """Slug -> (id, name) of the curated tags, creating those that do not exist yet."""
    found = {tag.slug: tag for tag in await Tag.filter(slug__in=[slug for slug, *_ in TAGS])}
    created = 0
    for slug, name, description in TAGS:
        if slug not in found:
            found[slug] = await Tag.create(slug=slug, name=name, description=description)
            created += 1
    return {slug: (tag.id, tag.name) for slug, tag in found.items()}, created


def _members(
    rng: random.Random, registry: Registry, now: datetime, count: int, first_id: int,
    member_hash: str, staff_hash: str,
) -> tuple[list[Member], list[float], list[Member], list[tuple]]:  # fmt: skip
    """Staff, then members ordered from most to least active, with their weights, and their
    rows in USER_COLUMNS order."""
    window_start = now - WINDOW
    staff, rows = [], []
    for offset, (username, role, display, bio) in enumerate(STAFF):
        name = registry.username(rng, username)
        joined = window_start - timedelta(days=400 - offset * 3)
        email = registry.email(rng, name)
        user_id = first_id + offset
        rows.append((user_id, name, fold(name), email, email.casefold(), staff_hash, role,
                     display, bio, _render(bio, ()), joined))  # fmt: skip
        staff.append(Member(user_id, name, "en", False, joined, role))
    members, weights = [], []
    for rank in range(count):
        lang = LANGS[rank % 3] if rank < 12 else rng.choices(LANGS, LANG_WEIGHTS)[0]
        identity = _identity(rng, registry, lang)
        if rank < 12 or rng.random() < 0.45:  # joined before the window: the regulars
            joined = window_start - timedelta(days=rng.uniform(1, 420))
        else:
            joined = window_start + (WINDOW - timedelta(days=1)) * rng.random() ** 0.8
        joined = joined.replace(microsecond=rng.randrange(1_000_000))
        bio = rng.choice(POOLS[lang]["bios"]) if rng.random() < 0.6 else ""
        bio = bio.format_map({"a": "а" if identity.female else ""})
        user_id = first_id + len(STAFF) + rank
        rows.append((
            user_id, identity.username, fold(identity.username), identity.email,
            identity.email.casefold(), member_hash, "member", identity.display_name, bio,
            _render(bio, ()) if bio else "", joined,
        ))  # fmt: skip
        members.append(Member(user_id, identity.username, lang, identity.female, joined))
        weights.append(1 / (rank + 2) ** 1.1)
    return members, weights, staff, rows


# What the staff follow, so the manager's "For you" has something in it: (category routes,
# tag slugs).
STAFF_FOLLOWS = ((("device", "app"), ("battery", "firmware")),
                 (("setup", "battery", "sync", "firmware"), ("bluetooth",)))  # fmt: skip


def _follows(
    rng: random.Random, members: list[Member], staff: list[Member],
    categories: dict[str, Category], tags: dict[str, tuple[int, str]],
) -> tuple[list[tuple], list[tuple]]:  # fmt: skip
    """Who follows which categories and tags, as CategoryWatch and TagWatch rows (category or
    tag, user, level): the staff, and some members (the busiest more often), mostly in topics
    and their own language's community."""
    category_rows, tag_rows = [], []
    for member, (routes, slugs) in zip(staff, STAFF_FOLLOWS, strict=True):
        category_rows += [(categories[route].id, member.id, TRACKING) for route in routes]
        tag_rows += [(tags[slug][0], member.id, TRACKING) for slug in slugs]
    topics = [route for route in categories if route not in LANGS]
    tag_ids = [tag_id for tag_id, _ in tags.values()]
    for rank, member in enumerate(members):
        if rng.random() >= (0.6 if rank < 100 else 0.2):
            continue
        routes = rng.sample(topics, rng.randint(1, 3))
        if member.lang != "en" and rng.random() < 0.8:
            routes[0] = member.lang
        level = WATCHING if rng.random() < 0.1 else TRACKING
        category_rows += [(categories[route].id, member.id, level) for route in set(routes)]
        tag_rows += [(tag_id, member.id, TRACKING)
                     for tag_id in rng.sample(tag_ids, rng.choice((0, 1, 1, 2, 3)))]  # fmt: skip
    return category_rows, tag_rows


async def _advance_sequences(connection: Any) -> None:
    """Explicit ids do not move PostgreSQL's sequences: move them past what we inserted."""
    if connection.capabilities.dialect != "postgres":
        return
    for table in ("users", "thread", "post"):
        await connection.execute_script(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
        )


async def _write(writer: Writer, sink: Sink, plans: list[Plan]) -> None:
    """Every planned thread, in batches, then the categories' and tags' counts."""
    for index, plan in enumerate(plans):
        writer.write(plan)
        if len(writer.posts) >= FLUSH_POSTS:
            following = plans[index + 1].start if index + 1 < len(plans) else None
            await sink.write(writer.take(following))
    await sink.write(writer.take(None))
    for category_id, thread_count in writer.category_counts.items():
        await Category.filter(id=category_id).update(
            thread_count=F("thread_count") + thread_count,
            post_count=F("post_count") + writer.category_posts[category_id],
        )
    for slug, thread_count in writer.tag_counts.items():
        tag_id = writer.tags[slug][0]
        await Tag.filter(id=tag_id).update(thread_count=F("thread_count") + thread_count)


@asynccontextmanager
async def _page_cache() -> AsyncIterator[None]:
    """SQLite's page cache (2 MB by default) is far smaller than a big demo's indexes, which
    inserts in (author, time) and (member, time) order keep missing: this connection gets a
    bigger one while the demo writes and indexes (a million posts take a quarter less time)."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect != "sqlite":
        yield
        return
    _, rows = await connection.execute_query("PRAGMA cache_size")
    before = int(rows[0][0])
    await connection.execute_query(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        await connection.execute_query(f"PRAGMA cache_size = {before}")


async def run(scale: int = 600, force: bool = False, seed: int = DEFAULT_SEED) -> int:
    """Fill the database with a demo community of about `scale` posts; returns an exit code."""
    started = time.perf_counter()
    if scale < 1:
        print("The scale must be at least 1 (about how many posts to write).")
        return 2
    users, threads = await _has_content()
    if (users or threads) and not force:
        print(
            f"The database already has content ({users} members, {threads} threads), so the demo "
            "left it untouched. It only fills an empty database; use --force to add the demo "
            "community anyway."
        )
        return 1

    rng = random.Random(seed)
    now = datetime.now(UTC)
    # Letters and digits only: easy to copy, never mistaken for a command-line option.
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))
    # Argon2 is slow: one hash for the printed password (staff), one for a password nobody
    # knows (every member), instead of one per account.
    staff_hash = await accounts.hash_password(password)
    member_hash = await accounts.hash_password(secrets.token_urlsafe(24))

    existing = await User.all().values_list("username", "username_key", "email_key")
    registry = Registry({key for _, key, _ in existing}, {email for _, _, email in existing})
    registry.known.update({key: name for name, key, _ in existing})
    count = max(40, round(scale / 12))
    ids = {"user": await _next_id(User), "thread": await _next_id(Thread)}
    ids["post"] = await _next_id(Post)
    members, weights, staff, user_rows = _members(
        rng, registry, now, count, ids["user"], member_hash, staff_hash
    )
    plans = make_plans(rng, scale, now)

    async with _page_cache():
        async with in_transaction() as connection:
            categories, new_categories = await _categories()
            tags, new_tags = await _tags()
            sink = Sink(connection)
            await sink.insert(sink.users, user_rows)
            crowd = Crowd(members, weights, rng)
            writer = Writer(rng, now, crowd, staff, registry, categories, tags, ids)
            await _write(writer, sink, plans)
            category_watches, tag_watches = _follows(rng, members, staff, categories, tags)
            await sink.insert(sink.category_watches, category_watches)
            await sink.insert(sink.tag_watches, tag_watches)
            seen = []
            for member in staff + members:
                if member.last_active is not None:
                    extra = timedelta(minutes=rng.uniform(1, 600))
                    seen.append((min(now, member.last_active + extra), member.id))
            await sink.last_seen(seen)
            await _advance_sequences(connection)
            if not await site.SiteSetting.filter(key="name").exists():
                await site.set_value("name", COMMUNITY_NAME)
        tagging.forget()

        # The search index is built in bulk, as `run.py reindex-search` does.
        indexed = await search.rebuild()
    if scale <= RECOGNITION_SCALE:
        await advocacy.recompute()
    totals = writer.totals
    languages = ", ".join(f"{lang} {totals.languages[lang]}" for lang in LANGS)
    long = ""
    if totals.long:
        long = f" ({len(totals.long)} long, of {', '.join(map(str, totals.long))} posts)"
    manager, moderator = staff
    print(
        f"Demo community written in {time.perf_counter() - started:.1f} s:\n"
        f"  {len(categories)} categories ({new_categories} new), {len(tags)} tags "
        f"({new_tags} new), {len(members) + len(staff)} members, "
        f"{totals.threads} threads{long} ({languages}; {totals.tagged} tagged), "
        f"{totals.posts} posts, {totals.likes} likes, "
        f"{totals.solutions} solved questions; {indexed} posts indexed for search.\n"
        f"Sign in as the community manager:\n"
        f"  username: {manager.username}\n"
        f"  password: {password}\n"
        f"The moderator {moderator.username} has the same password; members cannot sign in."
    )
    if scale > RECOGNITION_SCALE:
        print("Points, tiers and badges: run `python run.py recompute-recognition` (minutes).")
    return 0
